package dev.layercache.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoTest {
  @Test
  void parsesOptionalFieldsAndOctalEscapes() {
    String info =
        "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
            + "91 29 0:45 / /var/lib/my\\040ws/merged rw,nosuid,nodev,relatime - overlay"
            + " layercache rw,lowerdir=/a:/b,upperdir=/u,workdir=/w\n"
            + "92 29 0:46 / /mnt rw master:1 shared:3 - tmpfs tmpfs rw,size=1k\n";
    List<MountPoint> mounts = MountInfo.parse(info);
    assertThat(mounts).hasSize(3);
    assertThat(mounts.get(1))
        .isEqualTo(
            new MountPoint(
                Path.of("/var/lib/my ws/merged"),
                "overlay",
                "layercache",
                "rw,lowerdir=/a:/b,upperdir=/u,workdir=/w"));
    assertThat(mounts.get(2).fstype()).isEqualTo("tmpfs");
    assertThat(MountInfo.unescape("a\\134b\\011c")).isEqualTo("a\\b\tc");
  }

  @Test
  void readsThisProcessMountTable() throws Exception {
    assertThat(MountInfo.read()).anyMatch(m -> m.target().equals(Path.of("/")));
  }
}
