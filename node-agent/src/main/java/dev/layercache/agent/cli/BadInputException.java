package dev.layercache.agent.cli;

/** The user asked for something that cannot be: the CLI exits with code 2. */
final class BadInputException extends RuntimeException {
  BadInputException(String message) {
    super(message);
  }
}
