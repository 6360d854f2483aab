package dev.layercache.oci;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A username and password (or token) for one registry, and the identity token a docker config entry
 * may carry besides them (an OAuth2 refresh token, as {@code docker login} stores for some
 * registries; passed on to the container runtime, not used by this client).
 *
 * @param identityToken null when the entry has none
 */
public record RegistryCredentials(String username, String password, String identityToken) {

  public RegistryCredentials(String username, String password) {
    this(username, password, null);
  }

  /** The value of an HTTP basic Authorization header. */
  public String basicAuthorization() {
    String pair = username + ":" + password;
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "RegistryCredentials[username="
        + username
        + ", password=***"
        + (identityToken == null ? "" : ", identityToken=***")
        + "]";
  }
}
