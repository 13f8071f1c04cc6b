/* exec_fixture.h — the small graph the openCypher fuzz target and its regression tests run queries on.
 *
 * Owns: exec_fixture, the statements that build it: labels A/B/C, types R/S, properties of several kinds
 * (what tests/fuzz/cypher_gen.h names), a self-loop, a node with an external id, a property index and a
 * unique constraint. Used by tests/fuzz/fuzz_cypher_exec.c and tests/unit/test_cypher_regress.c.
 * Must not: change without re-checking the expected row counts in test_cypher_regress.c.
 */
#ifndef QV_TESTS_EXEC_FIXTURE_H
#define QV_TESTS_EXEC_FIXTURE_H

static const char *const exec_fixture[] = {
    "CREATE INDEX ia FOR (n:A) ON (n.num)",
    "CREATE CONSTRAINT uc FOR (n:C) REQUIRE n.name IS UNIQUE",
    ("CREATE (a:A {name: 'a', num: 1, f: 1.5, l: [1, 2, 3], s: 'alpha'}),"
     " (b:B {name: 'b', num: 2, f: -0.5, l: ['x', 'y'], s: 'beta', t: true}),"
     " (c:C {name: 'c', num: 3, d: date('2020-02-29'), s: 'gamma'}),"
     " (d:A:B {name: 'd', num: 4, dt: datetime('2015-07-21T21:40:32.142+01:00')}),"
     " (e {`~id`: 'e1', num: 5, dur: duration('P1Y2M3DT4H')}),"
     " (a)-[:R {w: 1, name: 'ab'}]->(b), (b)-[:S {w: 2}]->(c), (c)-[:R {w: 3}]->(a),"
     " (a)-[:S {w: 0}]->(a), (d)-[:R {w: 4}]->(b), (e)-[:S]->(d), (c)-[:S {w: 5}]->(e)"),
};

#endif
