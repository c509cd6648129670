package io.xenabi.shell.impl;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainType;
import java.util.HashSet;
import java.util.Set;

/**
 * The {@code key=value} arguments of {@code xl:create}, with xl.cfg's names and defaults:
 * {@code name} (required), {@code vcpus}, {@code memory} (MiB), {@code max_event_channels},
 * {@code max_grant_frames}, {@code max_maptrack_frames}, {@code type} (pv, pvh, hvm),
 * {@code xen_extensions} (0/1), {@code native} or {@code native_guest} (0/1: a native guest
 * process, served by the guest bridge); what is not given comes from the host's
 * defaults (ConfigAdmin PID {@code io.xenabi.host}).
 * A value may be quoted as in xl.cfg ({@code name="alice"}). Range checks are the
 * hypervisor's; this only rejects what is not a setting at all.
 */
final class CreateArgs {
    static final String COMMAND = "xl:create";

    private CreateArgs() {
    }

    static DomainConfig parse(String... settings) {
        return parse(DomainConfig.named("-"), settings);
    }

    /** Parses {@code settings} over {@code defaults} (the host's, for xl:create). */
    static DomainConfig parse(DomainConfig defaults, String... settings) {
        String name = defaults.name().equals("-") ? null : defaults.name();
        DomainConfig cfg = defaults;
        Set<String> seen = new HashSet<>();
        for (String s : settings == null ? new String[0] : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(COMMAND + ": '" + s + "' is not key=value");
            }
            String key = s.substring(0, eq).trim();
            String value = unquote(s.substring(eq + 1).trim());
            if (!seen.add(key)) {
                throw new IllegalArgumentException(COMMAND + ": key '" + key + "' given twice");
            }
            switch (key) {
                case "name" -> name = value;
                case "vcpus" -> cfg = cfg.withVcpus(Arguments.nonNegativeInt(COMMAND, key, value));
                case "memory" -> cfg = cfg.withMemoryMiB(Arguments.number(COMMAND, key, value));
                case "max_event_channels" ->
                    cfg = cfg.withMaxEventChannels(Arguments.nonNegativeInt(COMMAND, key, value));
                case "type" -> cfg = cfg.withType(parseType(value), cfg.xenExtensions());
                case "xen_extensions" -> cfg = cfg.withType(cfg.type(), parseBoolean(key, value));
                case "native", "native_guest" -> cfg = cfg.withNativeGuest(parseBoolean(key, value));
                case "max_grant_frames" -> cfg = cfg.withMaxGrantFrames(Arguments.nonNegativeInt(COMMAND, key, value));
                case "max_maptrack_frames" ->
                    cfg = cfg.withMaxMaptrackFrames(Arguments.nonNegativeInt(COMMAND, key, value));
                default -> throw new IllegalArgumentException(COMMAND + ": unknown key '" + key + "'");
            }
        }
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(COMMAND + ": name=NAME is required");
        }
        return new DomainConfig(name, cfg.vcpus(), cfg.memoryMiB(), cfg.maxEventChannels(), cfg.maxGrantFrames(),
                cfg.maxMaptrackFrames(), cfg.abiPermit(), cfg.type(), cfg.xenExtensions(), cfg.nativeGuest());
    }

    private static DomainType parseType(String v) {
        try {
            return DomainType.parse(v);
        } catch (io.xenabi.domain.DomainException e) {
            throw new IllegalArgumentException(COMMAND + ": " + e.getMessage());
        }
    }

    /** xl.cfg booleans: 0/1, true/false, yes/no. */
    private static boolean parseBoolean(String key, String v) {
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw new IllegalArgumentException(COMMAND + ": " + key + " '" + v + "' is not a boolean");
        };
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
