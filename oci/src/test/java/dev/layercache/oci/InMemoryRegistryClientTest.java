package dev.layercache.oci;

import dev.layercache.oci.testing.InMemoryRegistryClient;

class InMemoryRegistryClientTest extends RegistryClientContract {
  private final InMemoryRegistryClient client = new InMemoryRegistryClient();

  @Override
  protected RegistryClient client() {
    return client;
  }

  @Override
  protected ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse("registry.test/" + repositoryAndTag);
  }
}
