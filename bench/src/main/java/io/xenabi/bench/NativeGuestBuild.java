package io.xenabi.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * native-guest (the repository's {@code native-guest/} folder, found from the working
 * directory or the system property {@code xenabi.native-guest}) built with its
 * {@code build.sh}: exit 3 there means gcc, make or linux-source-6.1 is missing.
 */
final class NativeGuestBuild {
    /** Why native-guest cannot be built here (the message is the reason, one line). */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String why) {
            super(why, null, false, false);
        }
    }

    private NativeGuestBuild() {
    }

    /** The folder: {@code xenabi.native-guest}, else {@code native-guest} here or one level up. */
    static Path folder() throws Unavailable {
        String prop = System.getProperty("xenabi.native-guest");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p : new Path[] {Path.of("native-guest"), Path.of("..", "native-guest")}) {
            if (Files.isRegularFile(p.resolve("build.sh"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new Unavailable("no native-guest folder in " + Path.of("").toAbsolutePath()
                + " or its parent (set -Dxenabi.native-guest=DIR)");
    }

    /** Builds native-guest (make: nothing to do when it is current) and returns the binary. */
    static Path binary() throws Unavailable {
        Path dir = folder();
        String out;
        int rc;
        try {
            Process p = new ProcessBuilder("sh", "build.sh").directory(dir.toFile()).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("native-guest/build.sh took over 10 minutes");
            }
            rc = p.exitValue();
        } catch (IOException e) {
            throw new Unavailable("cannot run native-guest/build.sh: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building native-guest", e);
        }
        if (rc == 3) {
            throw new Unavailable(out.lines().reduce((a, b) -> b).orElse("native-guest/build.sh: exit 3"));
        }
        if (rc != 0) {
            throw new IllegalStateException("native-guest/build.sh failed (" + rc + "):\n" + out);
        }
        return dir.resolve("target/native-guest");
    }
}
