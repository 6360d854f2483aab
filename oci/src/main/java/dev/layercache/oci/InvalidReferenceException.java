package dev.layercache.oci;

/** An image reference string that cannot be parsed; the message says what is wrong with it. */
public final class InvalidReferenceException extends IllegalArgumentException {
  private final String input;

  public InvalidReferenceException(String input, String problem) {
    super("invalid image reference \"" + input + "\": " + problem);
    this.input = input;
  }

  public String input() {
    return input;
  }
}
