package io.xenabi.launcher.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * target/xenabi.jar started as {@code ./xenabi --home HOME [--without ...] -c commands} starts it:
 * a JVM of its own with the script's system properties, its output in HOME/out.txt and err.txt.
 */
final class ProductRun {
    /** What a run printed and how it ended. */
    record Run(int status, String out, List<String> errLines) {
    }

    private ProductRun() {
    }

    /** Starts the product in {@code home} with the script's settings plus {@code extra} -D properties. */
    static Process start(Path home, String commands, String... extra) throws IOException {
        Path jar = Path.of(System.getProperty("xenabi.jar", "target/xenabi.jar"));
        assertTrue(Files.isRegularFile(jar), "the exported jar " + jar);
        Path batch = home.resolve(".cache/gosh-batch");
        Files.createDirectories(batch.resolve("etc"));
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(batch.resolve("etc/gosh_profile"), "# xenabi -c: no profile\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dxenabi.home=" + home,
                "-Dfelix.fileinstall.dir=" + home.resolve("deploy") + "," + home.resolve("etc"),
                "-Dfelix.fileinstall.poll=1000",
                "-Dfelix.fileinstall.noInitialDelay=true",
                "-Dfelix.fileinstall.log.level=1",
                "-Dfelix.cm.dir=" + home.resolve("etc/.cm"),
                "-Dorg.osgi.framework.storage=" + home.resolve(".cache/felix"),
                "-Dgosh.home=" + batch,
                "-Dgosh.args=--nointeractive --noshutdown",
                "-Dorg.jline.terminal.dumb=true",
                "-Dxenabi.command=" + commands));
        for (String p : extra) {
            cmd.add("-D" + p);
        }
        String logging = System.getProperty("xenabi.logging");
        if (logging != null) {
            cmd.add(1, "-Djava.util.logging.config.file=" + logging);
        }
        cmd.add("-jar");
        cmd.add(jar.toString());
        return new ProcessBuilder(cmd).redirectOutput(home.resolve("out.txt").toFile())
                .redirectError(home.resolve("err.txt").toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    }

    /** Waits for the run started in {@code home} to end and reads what it printed. */
    static Run finish(Path home, Process p) throws Exception {
        p.getOutputStream().close();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the run ends");
        String err = Files.readString(home.resolve("err.txt"), StandardCharsets.UTF_8);
        return new Run(p.exitValue(), Files.readString(home.resolve("out.txt"), StandardCharsets.UTF_8),
                err.isEmpty() ? List.of() : List.of(err.split("\n")));
    }

    static Run run(Path home, String commands, String... extra) throws Exception {
        return finish(home, start(home, commands, extra));
    }
}
