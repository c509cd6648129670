package io.xenabi.shell.impl;

/** Parsing of command arguments, with one-line errors that name the command and the argument. */
final class Arguments {
    private Arguments() {
    }

    /**
     * {@code value} as a non-negative int; otherwise an IllegalArgumentException like
     * {@code guest:ping: --count 'x' is not a number}.
     */
    static int nonNegativeInt(String command, String what, String value) {
        long n = number(command, what, value);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(command + ": " + what + " " + value + " is too large");
        }
        return (int) n;
    }

    /** {@code value} as a non-negative long (decimal, or hex with 0x). */
    static long number(String command, String what, String value) {
        String v = value == null ? "" : value.trim();
        try {
            long n = v.startsWith("0x") || v.startsWith("0X") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            if (n < 0) {
                throw new IllegalArgumentException(command + ": " + what + " " + v + " is negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(command + ": " + what + " '" + v + "' is not a number");
        }
    }

    /** {@code file} as a path; otherwise {@code xl:save: 'F' is not a file name (why)}. */
    static java.nio.file.Path path(String command, String file) {
        if (file.length() > 1 && file.startsWith("-")) {
            throw unknownOption(command, file);
        }
        try {
            return java.nio.file.Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(command + ": '" + file + "' is not a file name (" + e.getReason() + ")");
        }
    }

    /**
     * The domain {@code dom} names (an id or a name, as xl takes it). A word that looks like an
     * option is one the command does not take (no domain name starts with '-'), said as
     * {@code xl:list: unknown option '-x' (see 'help xl:list')}.
     */
    static int domain(io.xenabi.domain.Hypervisor hypervisor, String command, String dom) {
        if (dom != null && dom.length() > 1 && dom.startsWith("-") && !dom.matches("-[0-9]+")) {
            throw unknownOption(command, dom);
        }
        return hypervisor.resolve(dom);
    }

    /** The usage error of an option {@code command} does not take. */
    static IllegalArgumentException unknownOption(String command, String option) {
        return new IllegalArgumentException(command + ": unknown option '" + option + "' (see 'help " + command + "')");
    }
}
