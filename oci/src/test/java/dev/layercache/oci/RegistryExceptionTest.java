package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import org.junit.jupiter.api.Test;

class RegistryExceptionTest {
  @Test
  void networkFailuresReadAsWordsNotClassNames() {
    assertThat(RegistryException.describe(new ConnectException())).isEqualTo("connection refused");
    assertThat(RegistryException.describe(new HttpConnectTimeoutException("x")))
        .isEqualTo("connect timed out");
    assertThat(RegistryException.describe(new UnknownHostException("registry.example")))
        .isEqualTo("unknown host registry.example");
    assertThat(RegistryException.describe(new IOException("stream reset")))
        .isEqualTo("IOException: stream reset");
  }

  @Test
  void exhaustedRetriesNameTheRequestTheAttemptsAndTheLastError() {
    RegistryException e =
        RegistryException.exhausted(
            "GET http://127.0.0.1:1/v2/",
            5,
            RegistryException.describe(new ConnectException()),
            null);
    assertThat(e.getMessage())
        .isEqualTo(
            "GET http://127.0.0.1:1/v2/ failed after 5 attempts; last error: connection refused");
    assertThat(e.status()).isEqualTo(-1);
  }
}
