package dev.layercache.agent.csi;

import io.grpc.BindableService;
import java.util.List;

/**
 * The CSI node plugin {@value #NAME}: its Identity and Node services over one {@link
 * VolumePublisher}, for whichever process hosts them (the daemon, or the agent that embeds it).
 */
public final class CsiPlugin {
  public static final String NAME = "workspace.layercache.dev";

  private CsiPlugin() {}

  /**
   * @param nodeId what NodeGetInfo answers: the Kubernetes node name, as the kubelet registers it
   * @param version the plugin's version, as GetPluginInfo answers
   */
  public static List<BindableService> services(
      VolumePublisher publisher, String nodeId, String version) {
    return List.of(new IdentityService(version), new NodeService(publisher, nodeId));
  }
}
