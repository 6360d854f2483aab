package dev.layercache.oci;

import dev.layercache.oci.testing.RegistryExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class HttpRegistryClientIT extends RegistryClientContract {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  private final RegistryClient client = registry.client();

  @Override
  protected RegistryClient client() {
    return client;
  }

  @Override
  protected ImageReference reference(String repositoryAndTag) {
    return registry.reference(repositoryAndTag);
  }
}
