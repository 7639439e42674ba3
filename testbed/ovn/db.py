"""OVSDB clients for a testbed's NB and SB databases (ovsdbapp), one connection per object."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ovsdbapp.backend.ovs_idl import connection, idlutils
from ovsdbapp.backend.ovs_idl.event import RowEvent, RowEventHandler
from ovsdbapp.schema.ovn_northbound import impl_idl as nb_impl
from ovsdbapp.schema.ovn_southbound import impl_idl as sb_impl


class _Unanswered(logging.Filter):
    """ovsdbapp logs each refused attempt to fetch a schema; the harness waits with a deadline
    and says once what does not answer (readiness.connect)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "to retrieve schema" not in record.getMessage()


logging.getLogger(idlutils.__name__).addFilter(_Unanswered())


class _OwnConnection:
    """ovsdbapp keeps the connection on the class; two testbeds in one process need one each."""

    @property
    def ovsdb_connection(self):
        return self._own_connection

    @ovsdb_connection.setter
    def ovsdb_connection(self, conn):
        self._own_connection = conn

    def close(self) -> None:
        self._own_connection.stop()

    def watch(self, event) -> None:
        """Run an ovsdbapp RowEvent on every matching change (wait on the DB, not a loop)."""
        self._own_connection.idl.notify_handler.watch_event(event)

    def unwatch(self, event) -> None:
        self._own_connection.idl.notify_handler.unwatch_event(event)

    @contextmanager
    def changes(self, *tables: str) -> Iterator[threading.Event]:
        """A flag set by every change to these tables while the block runs: a wait re-checks
        when the database changed (wait.until(..., wake=flag)) instead of on a timer."""
        event = Changed(tables)
        self.watch(event)
        try:
            yield event.flag
        finally:
            self.unwatch(event)


class Changed(RowEvent):
    """Any row created, updated or deleted in one of `tables` sets `flag`."""

    def __init__(self, tables: tuple[str, ...]):
        super().__init__((self.ROW_CREATE, self.ROW_UPDATE, self.ROW_DELETE), ",".join(tables),
                         None)
        self.tables = set(tables)
        self.flag = threading.Event()

    @property
    def key(self):  # one per waiter: two waits on the same tables are two events
        return (self.__class__, id(self))

    def matches(self, event, row, old=None) -> bool:
        return row._table.name in self.tables

    def run(self, event, row, old) -> None:
        self.flag.set()


class EventIdl(connection.OvsdbIdl):
    """An IDL that hands every row change to ovsdbapp RowEvents (`api.watch(event)`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notify_handler = RowEventHandler()

    def notify(self, event, row, updates=None):
        self.notify_handler.notify(event, row, updates)


class NbApi(_OwnConnection, nb_impl.OvnNbApiIdlImpl):
    pass


class SbApi(_OwnConnection, sb_impl.OvnSbApiIdlImpl):
    pass


SB_NOT_MIRRORED = ("Logical_Flow", "Logical_DP_Group")
"""SB tables the harness' SB connection leaves out: the logical flows are most of the SB
(tens of thousands of rows at 100 chassis) and nothing here reads them through the IDL (walks
use ovn-trace; `testbed sbctl lflow-list` shows them). Mirroring them cost seconds of CPU."""


def _connect(api: type, endpoint: str, schema: str, timeout: float, skip: tuple[str, ...] = ()):
    helper = idlutils.get_schema_helper(endpoint, schema)
    tables = [t for t in helper.schema_json["tables"] if t not in skip]
    idl = EventIdl.from_server(endpoint, schema, helper=helper, helper_tables=tables)
    return api(connection.Connection(idl=idl, timeout=timeout))


def nb(endpoint: str, timeout: float = 30) -> NbApi:
    """`endpoint`: an OVSDB remote (the runtime's DockerBackend.db_remote)."""
    return _connect(NbApi, endpoint, "OVN_Northbound", timeout)


def sb(endpoint: str, timeout: float = 30) -> SbApi:
    return _connect(SbApi, endpoint, "OVN_Southbound", timeout, SB_NOT_MIRRORED)
