package dev.layercache.agent.cli;

import dev.layercache.agent.csi.KubeletRegistration;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The CSI node plugin's options, the same for {@code daemon} and {@code agent}. */
final class CsiOptions {
  /** Where a kubelet with the default {@code --root-dir} looks for plugins. */
  static final Path DEFAULT_REGISTRATION_DIR = Path.of("/var/lib/kubelet/plugins_registry");

  @Option(
      names = "--csi-address",
      paramLabel = "SOCKET",
      description =
          "Serve the CSI node plugin workspace.layercache.dev on this unix socket, at the path the"
              + " kubelet sees (it is told this one); not served without it.")
  Path address;

  @Option(
      names = "--kubelet-registration-dir",
      paramLabel = "DIR",
      description =
          "The kubelet's plugin registry, where the CSI plugin registers itself (socket "
              + KubeletRegistration.SOCKET_NAME
              + "). Default: /var/lib/kubelet/plugins_registry if it exists; with none, the"
              + " kubelet does not find the plugin.")
  Path registrationDir;

  /** Where to register: the directory given, else the default one if it exists; null: nowhere. */
  Path registrationDir() {
    if (registrationDir == null) {
      return address != null && Files.isDirectory(DEFAULT_REGISTRATION_DIR)
          ? DEFAULT_REGISTRATION_DIR
          : null;
    }
    if (address == null) {
      throw new BadInputException("--kubelet-registration-dir needs --csi-address");
    }
    if (!Files.isDirectory(registrationDir)) {
      throw new BadInputException(
          "--kubelet-registration-dir "
              + registrationDir
              + " is not a directory (the kubelet makes ROOT_DIR/plugins_registry at start)");
    }
    return registrationDir;
  }

  /** What the start-up line says of the plugin. */
  String describe(Path registeredIn) {
    if (address == null) {
      return "";
    }
    return ", CSI node plugin on "
        + address
        + (registeredIn != null
            ? " (registered through " + registeredIn.resolve(KubeletRegistration.SOCKET_NAME) + ")"
            : " (not registered with a kubelet: no " + DEFAULT_REGISTRATION_DIR + ")");
  }
}
