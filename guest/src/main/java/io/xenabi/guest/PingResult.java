package io.xenabi.guest;

/**
 * The outcome of {@link Guests#ping}: sequential round trips over one interdomain channel.
 *
 * @param from the domain that sent the pings
 * @param to the domain that echoed them
 * @param count round trips attempted
 * @param roundTrips round trips whose echo arrived within the timeout
 * @param lost round trips whose echo never arrived: {@code count - roundTrips - late}
 * @param meanMicros mean round-trip time of the completed ones, in microseconds (0 when none)
 * @param fromPort the port used in {@code from} (allocated with EVTCHNOP_alloc_unbound)
 * @param toPort the port used in {@code to} (bound with EVTCHNOP_bind_interdomain)
 * @param maxMicros the longest round trip that came back (late ones too), in microseconds: the
 *        guest-visible pause
 * @param late round trips whose echo arrived after the timeout (nothing lost, only slow: a
 *        domain paused or a variant swapped for longer than the timeout)
 */
public record PingResult(int from, int to, int count, int roundTrips, int lost, double meanMicros, int fromPort,
        int toPort, double maxMicros, int late) {
    /** A result with no late round trip. */
    public PingResult(int from, int to, int count, int roundTrips, int lost, double meanMicros, int fromPort,
            int toPort, double maxMicros) {
        this(from, to, count, roundTrips, lost, meanMicros, fromPort, toPort, maxMicros, 0);
    }

    /** A result without the longest round trip measured. */
    public PingResult(int from, int to, int count, int roundTrips, int lost, double meanMicros, int fromPort,
            int toPort) {
        this(from, to, count, roundTrips, lost, meanMicros, fromPort, toPort, 0);
    }
}
