package io.xenabi.launcher.impl;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The launcher's main: bnd's executable-jar launcher calls a {@code Callable} registered with
 * {@code main.thread=true} on the JVM's main thread and exits with what it returns.
 *
 * <p>With {@code -c 'cmd1; cmd2'} (passed by ./xenabi as the system property
 * {@value #COMMAND_PROPERTY}) the commands run one after the other in a Gogo session without a
 * terminal; their results are printed; the first failure is printed on stderr as one line and
 * the exit status is 1. Without it, the Gogo shell of gogo.jline owns the terminal and this
 * waits until the framework stops. With {@code --without NAME} (the system property
 * {@value HostVariants#WITHOUT_PROPERTY}) the named variants' bundles are stopped first.
 */
@Component(service = Callable.class, property = "main.thread=true")
public final class XenabiMain implements Callable<Integer> {
    static final String COMMAND_PROPERTY = "xenabi.command";

    private final CountDownLatch stopped = new CountDownLatch(1);

    @Reference
    private CommandProcessor processor;

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        String without = System.getProperty(HostVariants.WITHOUT_PROPERTY, "");
        if (!without.isBlank()) {
            String error = HostVariants.keepOut(context, without);
            if (error != null) {
                new PrintStream(new FileOutputStream(FileDescriptor.err), true).println("xenabi: " + error);
                return 2;
            }
        }
        String script = System.getProperty(COMMAND_PROPERTY);
        if (script == null) {
            stopped.await();
            return 0;
        }
        // The file descriptors, not System.out: Gogo's ThreadIO redirects System.out into
        // the session, so a session writing to System.out would write to itself.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        return run(processor, script, new FileInputStream(FileDescriptor.in), out, err);
    }

    /** Runs each command of {@code script}; 0 when all succeed, 1 at the first failure. */
    static int run(CommandProcessor processor, String script, java.io.InputStream in, PrintStream out,
            PrintStream err) {
        List<String> commands;
        try {
            commands = Commands.split(script);
        } catch (IllegalArgumentException e) {
            err.println("xenabi: " + e.getMessage());
            return 1;
        }
        try (CommandSession session = processor.createSession(in, out, err)) {
            for (String command : commands) {
                Object result;
                try {
                    result = session.execute(command);
                } catch (Exception e) {
                    out.flush();
                    String cause = oneLine(e);
                    String option = cause.startsWith("Cannot coerce ") ? Usage.unknownOption(session, command) : null;
                    err.println("xenabi: " + command + ": " + (option != null ? unknownOption(command, option)
                            : explain(command, cause)));
                    return 1;
                }
                if (result != null) {
                    out.println(session.format(result, Converter.INSPECT));
                }
                out.flush();
            }
        }
        return 0;
    }

    /** The usage error of an option {@code command} does not take. */
    static String unknownOption(String command, String option) {
        String name = command.trim().split("\\s+", 2)[0];
        return name + ": unknown option '" + option + "' (see 'help " + name + "')";
    }

    /** Gogo's message for arguments no method accepts, said in a person's words. */
    static String explain(String command, String message) {
        if (message.startsWith("Cannot coerce ")) {
            String name = command.trim().split("\\s+", 2)[0];
            return "wrong number or kind of arguments (see 'help " + name + "')";
        }
        return message;
    }

    /** The cause a person needs, on one line. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.lang.reflect.InvocationTargetException)) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        }
        return msg.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    @Deactivate
    void deactivate() {
        stopped.countDown();
    }
}
