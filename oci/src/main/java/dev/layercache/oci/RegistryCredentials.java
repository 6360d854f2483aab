package dev.layercache.oci;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A username and password (or token) for one registry. */
public record RegistryCredentials(String username, String password) {

  /** The value of an HTTP basic Authorization header. */
  public String basicAuthorization() {
    String pair = username + ":" + password;
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=***]";
  }
}
