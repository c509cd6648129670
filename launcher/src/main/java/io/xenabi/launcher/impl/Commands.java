package io.xenabi.launcher.impl;

import java.util.ArrayList;
import java.util.List;

/** Splits a -c script into commands at top-level ';' (not inside quotes or brackets). */
final class Commands {
    private Commands() {
    }

    static List<String> split(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        int depth = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"' && i + 1 < script.length()) {
                    cur.append(c).append(script.charAt(++i));
                    continue;
                }
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '{' || c == '(' || c == '[') {
                depth++;
            } else if (c == '}' || c == ')' || c == ']') {
                depth--;
            } else if ((c == ';' || c == '\n') && depth == 0) {
                add(out, cur);
                continue;
            }
            cur.append(c);
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unterminated " + quote + " quote in the command line");
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced brackets in the command line");
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().trim();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }
}
