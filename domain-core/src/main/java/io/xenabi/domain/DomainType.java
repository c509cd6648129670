package io.xenabi.domain;

/** The guest type, as xl.cfg's {@code type} key. */
public enum DomainType {
    PV,
    PVH,
    HVM;

    /** Parses xl.cfg's spelling ({@code pv}, {@code pvh}, {@code hvm}), naming a bad value. */
    public static DomainType parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "pv" -> PV;
            case "pvh" -> PVH;
            case "hvm" -> HVM;
            default -> throw new DomainException("type '" + s + "' is not pv, pvh or hvm");
        };
    }
}
