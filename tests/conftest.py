"""`make test` runs this suite on two pytest-xdist workers (`pytest -n 2`): each test module
belongs to one of two groups, worker gw0 runs group "a" and gw1 group "b", whole, and each
worker brings its own group's testbeds up ahead (testbed_ahead in pyproject.toml) as soon as it
has collected. The scenario tests mostly wait on the network (BFD, OVN catching up, pings), so
one stream of them left the two cores half idle; two streams fill them.

Group "b" holds the fault tests and the module testbeds that the seed's other users do not
share, with a part of the unit tests to run while those come up; group "a" the rest. The two
measured about the same length. Without xdist the groups mean nothing.

A fixed split, not xdist's --dist loadgroup: a worker must know its share when it collects, to
start its bring-ups then (and loadgroup's group suffix is lost on pytest 9's node ids).
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from testbed.pytest_plugin import ahead_for

# Property tests run beside testbeds coming up on the same two cores: one example's time says
# nothing there (a CI run saw 258 ms against hypothesis' 200 ms deadline, then 0.5 ms). Speed
# targets live in bench/, never in a test.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

GROUPS = ("a", "b")
GROUP_B = {
    "tests/unit/test_loader_properties.py",
    "tests/unit/test_walk_offline.py",
    "tests/unit/test_scenario_services.py",
    "tests/scenario/test_backends.py",
    "tests/scenario/test_cluster.py",
    "tests/scenario/test_dualstack.py",
    "tests/scenario/test_dvr.py",
    "tests/scenario/test_faults.py",
    "tests/scenario/test_gateway_router.py",
    "tests/scenario/test_neutron.py",
    "tests/scenario/test_no_nat.py",
    "tests/scenario/test_runtime_netns.py",
    "tests/scenario/test_two_exits.py",
    "tests/scenario/test_vxlan.py",
}


def group_of(nodeid: str) -> str:
    return "b" if nodeid.split("::")[0] in GROUP_B else "a"


def share(index: int, count: int) -> set[str]:
    """The groups that worker `index` of `count` runs (all of them when there is one)."""
    return {g for j, g in enumerate(GROUPS) if j % count == index}


def worker_index(workerid: str) -> int:
    return int(workerid.removeprefix("gw"))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        """Each worker gets its groups' tests in one go, in collection order."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

        def schedule(self) -> None:
            assert self.collection_is_completed
            if self.collection is not None:  # all was handed out at the start
                for node in self.nodes:
                    self._reschedule(node)
                return
            if not self._check_nodes_have_same_collection():
                return
            self.collection = list(next(iter(self.registered_collections.values())))
            nodes = sorted(self.nodes, key=lambda n: worker_index(n.gateway.id))
            for index, node in enumerate(nodes):
                mine = share(index, len(nodes))
                work = self.assigned_work.setdefault(node, {})
                indexes = []
                for i, nodeid in enumerate(self.collection):
                    if (group := group_of(nodeid)) in mine:
                        work.setdefault(group, {})[nodeid] = False
                        indexes.append(i)
                if indexes:
                    node.send_runtest_some(indexes)
            for node in nodes:
                node.shutdown()

    return Groups(config, log)


def pytest_collection_finish(session: pytest.Session) -> None:
    """A worker knows its share now: bring up ahead what that share's tests declare."""
    info = getattr(session.config, "workerinput", None)
    if info is not None:
        mine = share(worker_index(info["workerid"]), int(info["workercount"]))
        ahead_for(session.config, [i for i in session.items if group_of(i.nodeid) in mine])
