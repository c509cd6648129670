package io.xenabi.gnttab.v1.impl;

import io.xenabi.gnttab.GrantVersion;
import io.xenabi.gnttab.testkit.GrantVersionContract;

/** Grant table v1 against gnttab-api's contract. */
class GrantVersionV1ContractTest extends GrantVersionContract {
    @Override
    protected GrantVersion version() {
        return new GrantTableV1();
    }
}
