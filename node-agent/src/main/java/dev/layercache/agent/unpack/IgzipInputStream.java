package dev.layercache.agent.unpack;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipException;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Gzip, every member, inflated by ISA-L's igzip (Debian's libisal2): about three times as fast as
 * the JDK's zlib on this machine, and inflating is the critical path of a gzip layer's pull. igzip
 * reads each member's header and checks its CRC-32 and length. Like the JDK's GZIPInputStream, the
 * stream ends where no further member starts (the blob digest covers any bytes after it).
 */
final class IgzipInputStream extends InputStream {
  /** The functions of libisal.so.2 this reads with. */
  public interface Isal {
    void isal_inflate_init(Pointer state);

    void isal_inflate_reset(Pointer state);

    int isal_inflate(Pointer state);
  }

  // struct inflate_state of igzip_lib.h, ISA-L 2.30 (Debian bookworm's libisal2): its size and the
  // offsets of the fields read or written here; used only with that release's file.
  private static final int STATE_SIZE = 87368;
  private static final int NEXT_OUT = 0;
  private static final int AVAIL_OUT = 8;
  private static final int NEXT_IN = 16;
  private static final int AVAIL_IN = 32;
  private static final int BLOCK_STATE = 21160;
  private static final int CRC_FLAG = 21172;
  private static final int ISAL_BLOCK_FINISH = 5;
  private static final int ISAL_GZIP = 1;
  private static final Set<String> VERIFIED_RELEASES = Set.of("libisal.so.2.0.30");
  private static final Pattern MAPPED_ISAL = Pattern.compile("/(libisal\\.so\\.[0-9.]+)$");
  private static final Map<Integer, String> ERRORS =
      Map.of(
          -1, "invalid deflate block",
          -2, "invalid deflate symbol",
          -3, "invalid lookback distance",
          -4, "not in gzip format",
          -5, "unsupported compression method",
          -6, "corrupt gzip trailer (CRC-32 or length mismatch)",
          6, "a preset dictionary is needed");

  private static final int GZIP_MAGIC_1 = 0x1f;
  private static final int BUFFER_SIZE = 256 * 1024;

  private static final Optional<Loaded> LIBRARY = load();

  private final InputStream source;
  private final Isal isal;
  private final Pointer state;
  private final Pointer in;
  private final Pointer out;
  private final byte[] transfer = new byte[BUFFER_SIZE];
  private int outStart;
  private int outEnd;
  private boolean memberEnded;
  private boolean ended;

  private IgzipInputStream(InputStream source, Isal isal) {
    this.source = source;
    this.isal = isal;
    Runtime runtime = Runtime.getRuntime(isal);
    this.state = Memory.allocateDirect(runtime, STATE_SIZE, true);
    this.in = Memory.allocateDirect(runtime, BUFFER_SIZE);
    this.out = Memory.allocateDirect(runtime, BUFFER_SIZE);
    isal.isal_inflate_init(state);
    state.putInt(CRC_FLAG, ISAL_GZIP);
  }

  /**
   * The uncompressed stream of {@code gzip}, or empty when libisal.so.2 is not installed or is a
   * release whose layout was not checked.
   */
  static Optional<InputStream> open(InputStream gzip) {
    return LIBRARY.map(loaded -> new IgzipInputStream(gzip, loaded.isal()));
  }

  /** The libisal file this process inflates gzip with, e.g. libisal.so.2.0.30; empty: zlib. */
  static Optional<String> library() {
    return LIBRARY.map(Loaded::file);
  }

  private record Loaded(Isal isal, String file) {}

  private static Optional<Loaded> load() {
    Isal isal;
    try {
      isal = LibraryLoader.create(Isal.class).failImmediately().load("libisal.so.2");
    } catch (LinkageError | RuntimeException notInstalled) {
      return Optional.empty();
    }
    // The offsets above are read from one release's header; another release may lay the struct
    // out otherwise, and a wrong offset is memory corruption in a root process: zlib instead.
    return mappedLibrary()
        .filter(IgzipInputStream::layoutVerified)
        .map(file -> new Loaded(isal, file));
  }

  /** Whether the offsets above are those of this libisal file (its name tells the release). */
  static boolean layoutVerified(String libraryFileName) {
    return VERIFIED_RELEASES.contains(libraryFileName);
  }

  /** The file name of the libisal this process mapped, e.g. libisal.so.2.0.30. */
  private static Optional<String> mappedLibrary() {
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      return maps.map(MAPPED_ISAL::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst();
    } catch (IOException | UncheckedIOException unreadable) {
      return Optional.empty();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (outStart == outEnd) {
      if (ended || !inflate()) {
        ended = true;
        return -1;
      }
    }
    int n = Math.min(length, outEnd - outStart);
    out.get(outStart, buffer, offset, n);
    outStart += n;
    return n;
  }

  /** Inflates into {@code out}; false at the end of the last member. */
  private boolean inflate() throws IOException {
    if (state.getInt(AVAIL_IN) == 0 && !fill()) {
      if (memberEnded) {
        return false;
      }
      throw new EOFException("unexpected end of the gzip stream");
    }
    if (memberEnded) {
      if ((in.getByte(state.getAddress(NEXT_IN) - in.address()) & 0xff) != GZIP_MAGIC_1) {
        return false; // not another member
      }
      isal.isal_inflate_reset(state); // keeps the input and the gzip flag
      memberEnded = false;
    }
    int availIn = state.getInt(AVAIL_IN);
    state.putAddress(NEXT_OUT, out.address());
    state.putInt(AVAIL_OUT, BUFFER_SIZE);
    int status = isal.isal_inflate(state);
    if (status != 0) {
      throw new ZipException(ERRORS.getOrDefault(status, "igzip error " + status));
    }
    outStart = 0;
    outEnd = BUFFER_SIZE - state.getInt(AVAIL_OUT);
    memberEnded = state.getInt(BLOCK_STATE) == ISAL_BLOCK_FINISH;
    if (outEnd == 0 && !memberEnded && state.getInt(AVAIL_IN) == availIn) {
      throw new ZipException("igzip read nothing of the gzip stream"); // never loop on it
    }
    return true;
  }

  /** Reads more compressed bytes into {@code in}; false at the end of the source. */
  private boolean fill() throws IOException {
    int n = source.read(transfer, 0, transfer.length);
    if (n < 0) {
      return false;
    }
    in.put(0, transfer, 0, n);
    state.putAddress(NEXT_IN, in.address());
    state.putInt(AVAIL_IN, n);
    return true;
  }

  @Override
  public void close() throws IOException {
    ended = true;
    source.close();
  }
}
