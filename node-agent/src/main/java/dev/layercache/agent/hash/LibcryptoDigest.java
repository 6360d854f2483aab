package dev.layercache.agent.hash;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;

/**
 * SHA-256 and SHA-512 by OpenSSL's libcrypto (its EVP interface, opaque handles only): native
 * SHA-NI code from the first byte. The JDK's own reaches that speed only once C2 has compiled it,
 * which a one-shot CLI pull spends much of its time waiting for; a warm JVM hashes at about two
 * thirds of libcrypto's speed.
 */
public final class LibcryptoDigest extends MessageDigest implements Cloneable {
  /** The functions of libcrypto this hashes with. */
  public interface Libcrypto {
    Pointer EVP_sha256();

    Pointer EVP_sha512();

    Pointer EVP_MD_CTX_new();

    void EVP_MD_CTX_free(Pointer ctx);

    int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

    int EVP_DigestUpdate(Pointer ctx, @Pinned @In ByteBuffer data, long count);

    int EVP_DigestFinal_ex(Pointer ctx, @Out byte[] digest, Pointer length);

    int EVP_MD_CTX_copy_ex(Pointer out, Pointer in);
  }

  private static final List<String> LIBRARIES = List.of("libcrypto.so.3", "libcrypto.so.1.1");
  private static final Cleaner CLEANER = Cleaner.create();

  /** Bound on first use: binding takes jnr-ffi about 120 ms, which a class load must not cost. */
  private static final class Bound {
    static final Optional<Libcrypto> LIBRARY = load();
  }

  /** Smaller updates (tar headers, mostly) are gathered here: one native call per 64 KiB. */
  private static final int GATHER = 64 << 10;

  private final Libcrypto crypto;
  private final Pointer type;
  private final int length;
  private byte[] gathered = new byte[GATHER];
  private int gatheredLength;
  private Context context;

  /** Frees the native context once its digest is unreachable. */
  private record Context(Libcrypto crypto, Pointer handle) implements Runnable {
    @Override
    public void run() {
      crypto.EVP_MD_CTX_free(handle);
    }
  }

  private LibcryptoDigest(String javaName, Libcrypto crypto, Pointer type, int length) {
    super(javaName);
    this.crypto = crypto;
    this.type = type;
    this.length = length;
    this.context = newContext();
    init();
  }

  /**
   * Hashers by JDK name ("SHA-256", "SHA-512") from libcrypto, or empty when it is not installed.
   * Other names come from the JDK.
   */
  public static Optional<Function<String, MessageDigest>> hashers() {
    return Bound.LIBRARY.map(
        crypto ->
            javaName ->
                switch (javaName) {
                  case "SHA-256" -> new LibcryptoDigest(javaName, crypto, crypto.EVP_sha256(), 32);
                  case "SHA-512" -> new LibcryptoDigest(javaName, crypto, crypto.EVP_sha512(), 64);
                  default -> jdk(javaName);
                });
  }

  /**
   * The hashers of {@link #hashers()}, else the JDK's, with libcrypto bound on a new thread from
   * now on: a command starts up meanwhile, and its first digest waits for the binding if need be.
   */
  public static Function<String, MessageDigest> hashersBoundInBackground() {
    CompletableFuture<Function<String, MessageDigest>> bound = new CompletableFuture<>();
    Thread binder =
        new Thread(
            () -> {
              try {
                bound.complete(hashers().orElse(LibcryptoDigest::jdk));
              } finally {
                bound.complete(LibcryptoDigest::jdk); // when binding failed in an unforeseen way
              }
            },
            "bind-libcrypto");
    binder.setDaemon(true);
    binder.start();
    return javaName -> bound.join().apply(javaName);
  }

  private static MessageDigest jdk(String javaName) {
    try {
      return MessageDigest.getInstance(javaName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + javaName, e);
    }
  }

  private static Optional<Libcrypto> load() {
    for (String library : LIBRARIES) {
      try {
        return Optional.of(LibraryLoader.create(Libcrypto.class).failImmediately().load(library));
      } catch (LinkageError | RuntimeException notInstalled) {
        // the next name, else the JDK's hashers
      }
    }
    return Optional.empty();
  }

  private Context newContext() {
    Pointer handle = crypto.EVP_MD_CTX_new();
    if (handle == null) {
      throw new OutOfMemoryError("libcrypto: EVP_MD_CTX_new failed");
    }
    Context made = new Context(crypto, handle);
    CLEANER.register(this, made);
    return made;
  }

  private void init() {
    check(crypto.EVP_DigestInit_ex(context.handle(), type, null), "EVP_DigestInit_ex");
  }

  private static void check(int result, String function) {
    if (result != 1) {
      throw new IllegalStateException("libcrypto: " + function + " failed");
    }
  }

  @Override
  protected int engineGetDigestLength() {
    return length;
  }

  @Override
  protected void engineUpdate(byte input) {
    if (gatheredLength == GATHER) {
      flush();
    }
    gathered[gatheredLength++] = input;
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int count) {
    if (count < 0 || offset < 0 || offset > input.length - count) {
      throw new IndexOutOfBoundsException("offset " + offset + ", count " + count);
    }
    if (count <= GATHER - gatheredLength) {
      System.arraycopy(input, offset, gathered, gatheredLength, count);
      gatheredLength += count;
      return;
    }
    flush();
    if (count < GATHER) {
      System.arraycopy(input, offset, gathered, 0, count);
      gatheredLength = count;
    } else {
      update(ByteBuffer.wrap(input, offset, count), count);
    }
  }

  private void flush() {
    if (gatheredLength > 0) {
      update(ByteBuffer.wrap(gathered, 0, gatheredLength), gatheredLength);
      gatheredLength = 0;
    }
  }

  private void update(ByteBuffer data, int count) {
    check(crypto.EVP_DigestUpdate(context.handle(), data, count), "EVP_DigestUpdate");
  }

  @Override
  protected byte[] engineDigest() {
    flush();
    byte[] digest = new byte[length];
    check(crypto.EVP_DigestFinal_ex(context.handle(), digest, null), "EVP_DigestFinal_ex");
    init();
    return digest;
  }

  @Override
  protected void engineReset() {
    gatheredLength = 0;
    init();
  }

  @Override
  public Object clone() throws CloneNotSupportedException {
    LibcryptoDigest copy = (LibcryptoDigest) super.clone();
    copy.context = copy.newContext();
    check(crypto.EVP_MD_CTX_copy_ex(copy.context.handle(), context.handle()), "EVP_MD_CTX_copy_ex");
    copy.gathered = gathered.clone();
    return copy;
  }
}
