package io.xenabi.launcher.impl;

import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;
import org.apache.felix.gogo.runtime.CommandProxy;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Parameter;

/**
 * Finds the option no method of a command takes, so Gogo's "Cannot coerce list(Token) ..." can
 * be said as {@code unknown option '-x'}. The options are the {@link Parameter} names of the
 * command's methods: a flag (with a {@code presentValue}) stands alone, any other option takes
 * the next word as its value.
 */
final class Usage {
    private Usage() {
    }

    /** The first word of {@code command} that looks like an option its command does not take, or null. */
    static String unknownOption(CommandSession session, String command) {
        String[] words = command.trim().split("\\s+");
        Object function;
        try {
            function = session.get(words[0]);
        } catch (RuntimeException e) {
            return null;
        }
        if (!(function instanceof CommandProxy proxy)) {
            return null;
        }
        String name = words[0].substring(words[0].indexOf(':') + 1);
        Set<String> flags = new HashSet<>();
        Set<String> valued = new HashSet<>();
        try {
            Object target = proxy.getTarget();
            if (target == null) {
                return null;
            }
            for (Method m : target.getClass().getMethods()) {
                if (!m.getName().equalsIgnoreCase(name)) {
                    continue;
                }
                for (var annotations : m.getParameterAnnotations()) {
                    for (var a : annotations) {
                        if (a instanceof Parameter p) {
                            (Parameter.UNSPECIFIED.equals(p.presentValue()) ? valued : flags)
                                    .addAll(java.util.List.of(p.names()));
                        }
                    }
                }
            }
        } finally {
            proxy.ungetTarget();
        }
        for (int i = 1; i < words.length; i++) {
            String w = words[i];
            if (valued.contains(w)) {
                i++; // its value
            } else if (!flags.contains(w) && w.length() > 1 && w.startsWith("-") && !w.matches("-[0-9].*")) {
                return w;
            }
        }
        return null;
    }
}
