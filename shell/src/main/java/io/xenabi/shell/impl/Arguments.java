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
        try {
            return java.nio.file.Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(command + ": '" + file + "' is not a file name (" + e.getReason() + ")");
        }
    }
}
