package io.xenabi.itests.gnttab.v3.impl;

import io.xenabi.gnttab.GrantVersion;
import io.xenabi.gnttab.testkit.GrantVersionContract;

/** The test-only version v3 against gnttab-api's contract. */
class GrantVersionV3ContractTest extends GrantVersionContract {
    @Override
    protected GrantVersion version() {
        return new GrantTableV3();
    }
}
