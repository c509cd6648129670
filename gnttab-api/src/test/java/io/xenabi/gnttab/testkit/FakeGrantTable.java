package io.xenabi.gnttab.testkit;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GrantTable;

/**
 * A grant table as domain-core hands it to a version, for a version's unit tests
 * (gnttab-api's test kit): domain 5's shared and status frames, fresh pages.
 */
public final class FakeGrantTable implements GrantTable {
    public final GuestPage[] frames;
    public final GuestPage[] status;
    private final GuestMemory memory = new GuestMemory(8);

    public FakeGrantTable(int sharedFrames, int statusFrames) {
        frames = new GuestPage[sharedFrames];
        status = new GuestPage[statusFrames];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new GuestPage();
        }
        for (int i = 0; i < status.length; i++) {
            status[i] = new GuestPage();
        }
    }

    @Override
    public int domid() {
        return 5;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public int nrFrames() {
        return frames.length;
    }

    @Override
    public GuestPage sharedFrame(int i) {
        return frames[i];
    }

    @Override
    public int nrStatusFrames() {
        return status.length;
    }

    @Override
    public GuestPage statusFrame(int i) {
        return status[i];
    }
}
