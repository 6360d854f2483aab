package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A registry said no, or could not be reached within the retry budget. The message leads with the
 * registry's own error text ({@code MANIFEST_UNKNOWN: manifest unknown}) and names the request.
 */
public final class RegistryException extends IOException {

  /** One entry of the registry's {@code errors} array. */
  public record Error(String code, String message) {
    @Override
    public String toString() {
      return message.isEmpty() ? code : code + ": " + message;
    }
  }

  private final int status;
  private final List<Error> errors;

  public RegistryException(String message, int status, List<Error> errors, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.errors = List.copyOf(errors);
  }

  /** Builds the exception from an error response body (JSON {@code errors} if there is one). */
  static RegistryException fromResponse(String request, int status, byte[] body, String extra) {
    List<Error> errors = parseErrors(body);
    String text =
        errors.isEmpty()
            ? "HTTP " + status + snippet(body)
            : errors.stream().map(Error::toString).collect(Collectors.joining("; "));
    return new RegistryException(
        text + " (" + request + " answered " + status + extra + ")", status, errors, null);
  }

  static RegistryException exhausted(
      String request, int attempts, String lastProblem, Throwable cause) {
    return new RegistryException(
        request + " failed after " + attempts + " attempts; last error: " + lastProblem,
        -1,
        List.of(),
        cause);
  }

  /** A network failure in words ("connection refused"), where the JDK's exception has none. */
  static String describe(IOException e) {
    if (e instanceof java.net.ConnectException) {
      return "connection refused" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }
    if (e instanceof java.net.http.HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "timed out waiting for the registry";
    }
    if (e instanceof java.net.UnknownHostException) {
      return "unknown host " + e.getMessage();
    }
    if (e instanceof javax.net.ssl.SSLException) {
      return "TLS: " + e.getMessage();
    }
    String kind = e.getClass().getSimpleName();
    return e.getMessage() == null ? kind : kind + ": " + e.getMessage();
  }

  /** The HTTP status, or -1 when no final answer came (network failures, retries exhausted). */
  public int status() {
    return status;
  }

  public List<Error> errors() {
    return errors;
  }

  private static List<Error> parseErrors(byte[] body) {
    List<Error> errors = new ArrayList<>();
    try {
      JsonNode list = Json.MAPPER.readTree(body).path("errors");
      for (JsonNode e : list) {
        errors.add(new Error(Json.text(e, "code"), Json.text(e, "message")));
      }
    } catch (IOException | RuntimeException notJson) {
      return List.of();
    }
    return errors;
  }

  private static String snippet(byte[] body) {
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "";
    }
    return ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
  }
}
