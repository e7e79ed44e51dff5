"""What launch, launch x 10 and launch x 100 need, on paper, from measured costs: `python -m bench.capacity`.

Every number it prints is a measured row (bench/measured.py reads them from the recorded runs) put through one of
the rules below, or one of the load assumptions below, which are the only figures written here. docs/capacity.md
explains the rules and holds this command's output (`python -m bench.capacity doc` writes it there; a contract test
keeps the two equal, and the production overlay's autoscaling equal to the launch column).

`python -m bench.capacity measure` (with the test stack, KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL set) records the
inputs no other benchmark keeps: bytes per event per topic, each service process's memory after start and its
SIGTERM drain, into docs/bench/capacity-inputs-<date>.txt.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

from bench.measured import ROOT, Documented, Inputs, Pipeline
from services.showcase.main import Settings as ShowcaseSettings
from shared.settings import ServiceSettings

# --- The load: assumptions, stated once (docs/capacity.md says why each) ------------------------------------------
SCALES = {"launch": 1, "launch x 10": 10, "launch x 100": 100}
BUSINESS_SECONDS_A_YEAR = 250 * 8 * 3600  # the year's events arrive in business hours
BURST = 10  # the busiest minute against that mean (an agency's or a partner's bulk import)
OUTAGE_MINUTES, CATCH_UP_MINUTES = 60, 10  # a group stopped an hour catches up in ten, the burst going on
REBUILD_SECONDS = 3600  # a new consumer group (or a reset one) reads a topic's whole log within an hour
YEARS_KEPT = 3  # the streams are kept forever; storage is planned three years ahead
PAGE_PEAK_RPS = 50  # page requests a second at the edge at launch, at peak (crawlers included)
CDN_HIT_RATIO = 0.9  # the CDN in front of the page (s-maxage=5); an assumption until a CDN's logs measure it
TARGET_UTILIZATION = 0.5  # of a replica's measured rate: the rest is headroom for bursts and a lost zone
MIN_REPLICAS = 2  # one can go during a node drain (PodDisruptionBudget maxUnavailable 1)
PARTITION_FLOOR = 6  # 3x the replica floor: room to scale out without re-partitioning (keys move when it changes)
REPLICATION = ServiceSettings.model_fields["topic_replication_factor"].default  # production keeps the default
BROKER_DISK_GIB, PARTITIONS_PER_BROKER = 1024, 4000  # usable disk a broker, partition replicas a broker
SHARD_DATA_GIB, PRIMARY_CORES = 1024, 8  # data a MongoDB replica set holds, cores its primary gives to writes
SURGE = 10  # the showcase's autoscaler absorbs a 10x surge of page requests with the CDN bypassed
REPLICA_MEMORY_CEILING_GIB = 16  # above this a showcase replica no longer fits a common node
BATCH_SIZE = ServiceSettings.model_fields["consumer_batch_size"].default  # KEDA's lag threshold a replica

# Who reads what (shared/messaging/topics.py, each service's consumers.py), and which measured consumer stands for it.
STREAMS = ("onboarding.suppliers", "catalogue.products", "inquiries.inquiries")
CONSUMERS = {"showcase": "showcase", "catalogue": "catalogue", "inquiries": "inquiries",
             "onboarding": "catalogue", "partners": "catalogue", "notifications": "catalogue"}  # unmeasured: the slowest
SHARD_KEYS = {  # collection: (shard key, why) -- by how the service reads and writes it
    "onboarding.suppliers": ("unsharded", "5,000 -> 500,000 documents; its unique `registration` index would have "
                                          "to prefix any shard key"),
    "onboarding.partner_command_answers": ("{_id: 'hashed'}", "read and written by command id only"),
    "catalogue.products": ("{supplier_id: 1, _id: 1}", "a supplier's listings together (products_by_supplier)"),
    "catalogue.suppliers": ("{_id: 'hashed'}", "a projection read by supplier id"),
    "inquiries.inquiries": ("{supplier_id: 1, received_at: 1}", "a supplier's inbox in time order; the index exists"),
    "inquiries.products / suppliers": ("{_id: 'hashed'}", "projections read by id"),
    "showcase.suppliers / products / inquiries": ("unsharded", "read whole at start into the page model: split the "
                                                  "model by country first (one showcase Deployment per country)"),
    "partners.inputs": ("{_id: 'hashed'}", "the outbox of partner input, by input id"),
    "partners.partners / signatures": ("unsharded", "a registry of partners: small"),
    "notifications.messages": ("{_id: 'hashed'}", "a message's key is derived from (event, recipient, kind); the "
                                                 "due and held markers are sparse indexes, scattered reads"),
    "notifications.suppliers / products / inquiries": ("{_id: 'hashed'}", "projections read by id"),
    "notifications.flood / unsubscribed": ("unsharded", "small: per recipient address"),
}


@dataclass
class Line:
    what: str
    value: float | str
    why: str  # the rule and the measured rows it rests on

    def text(self) -> str:
        value = f"{self.value:,}" if isinstance(self.value, int) else str(self.value)
        return f"  {self.what:<44} {value:>10}   {self.why}"


def _up(x: float) -> int:
    return max(1, math.ceil(x - 1e-9))


class Plan:
    def __init__(self, pipeline: Pipeline | None = None, documented: Documented | None = None,
                 inputs: Inputs | None = None) -> None:
        self.pipeline, self.documented, self.inputs = pipeline or Pipeline(), documented or Documented(), inputs or Inputs()
        self.seed = self.documented.seeded()

    # --- the log ---
    def events_a_year(self, topic: str, scale: int) -> tuple[float, str]:
        s = self.seed
        inquiries = s["inquiries"].value + s["answered"].value
        supplier_events = s["events"].value - inquiries - s["products"].value
        count = {"onboarding.suppliers": supplier_events, "catalogue.products": s["products"].value,
                 "inquiries.inquiries": inquiries}[topic]
        return count * scale, f"the seeded launch log ({s['events']}: {s['events'].source})"

    def peak_events_per_second(self, scale: int) -> float:
        total = sum(self.events_a_year(t, scale)[0] for t in STREAMS)
        return total / BUSINESS_SECONDS_A_YEAR * BURST

    def required_rate(self, scale: int) -> float:
        return self.peak_events_per_second(scale) * (1 + OUTAGE_MINUTES / CATCH_UP_MINUTES)

    # --- the rules ---
    def partitions(self, topic: str, scale: int) -> Line:
        log = self.events_a_year(topic, scale)[0] * YEARS_KEPT
        slowest = min((self.pipeline.consumer_rate(m) for m in set(CONSUMERS.values())), key=lambda f: f.value)
        need = _up(log / REBUILD_SECONDS / slowest.value)
        return Line(f"partitions {topic}", max(PARTITION_FLOOR, need),
                    f"max(floor {PARTITION_FLOOR}, {YEARS_KEPT} years' log {log:,.0f} / {REBUILD_SECONDS} s / "
                    f"{slowest} (the slowest measured reader: {slowest.source}) = {need})")

    def consumer_replicas(self, service: str, scale: int) -> Line:
        rate = self.pipeline.consumer_rate(CONSUMERS[service])
        need = _up(self.required_rate(scale) / (rate.value * TARGET_UTILIZATION))
        stand_in = "" if CONSUMERS[service] == service else f" ({CONSUMERS[service]}'s, not measured for {service})"
        return Line(f"replicas {service} (events)", max(MIN_REPLICAS, need),
                    f"max({MIN_REPLICAS}, {self.required_rate(scale):,.1f} events/s to catch up / "
                    f"({rate}{stand_in} x {TARGET_UTILIZATION}) = {need}) <- {rate.source}")

    def page_replicas(self, scale: int, hit_ratio: float) -> Line:
        page = self.documented.page_rate()
        origin = PAGE_PEAK_RPS * scale * (1 - hit_ratio)
        need = _up(origin / (page.value * TARGET_UTILIZATION))
        return Line(f"replicas showcase (page, CDN hit {hit_ratio:.0%})", max(MIN_REPLICAS, need),
                    f"{PAGE_PEAK_RPS * scale:,} req/s x {1 - hit_ratio:.2f} = {origin:,.0f} at the origin / "
                    f"({page} x {TARGET_UTILIZATION}) = {need} <- {page.source}")

    def autoscaling(self) -> dict[str, dict[str, int]]:
        """The launch column as the production overlay's autoscalers (tests/contract/test_capacity.py compares)."""
        partitions = max(self.partitions(t, 1).value for t in STREAMS)
        plan = {s: {"min": self.consumer_replicas(s, 1).value, "max": partitions, "lag": BATCH_SIZE}
                for s in CONSUMERS if s != "showcase"}
        plan["showcase"] = {"min": self.page_replicas(1, CDN_HIT_RATIO).value, "max": self.page_surge().value,
                            "rps": self.page_target().value}
        return plan | {"partitions": {"count": partitions}}

    def page_surge(self) -> Line:
        surge = self.page_replicas(SURGE, 0.0)
        return Line("showcase maxReplicas (10x surge, no CDN)", max(2 * MIN_REPLICAS, surge.value),
                    f"max(2 x {MIN_REPLICAS}, the launch x {SURGE} need with the CDN bypassed = {surge.value})")

    def crawl_hit_ratio(self, scale: int) -> Line:
        """A CDN's hit ratio when the requests spread evenly over every URL (a crawler): each URL is a TTL cache of
        s-maxage + stale-while-revalidate seconds, so with Poisson arrivals at rate r a URL hits r*T / (1 + r*T)."""
        control = ShowcaseSettings.model_fields["page_cache_control"].default
        window = sum(int(re.search(rf"{d}=(\d+)", control).group(1)) for d in ("s-maxage", "stale-while-revalidate"))
        urls = self.seed["page urls"]
        per_url = PAGE_PEAK_RPS * scale / (urls.value * scale) * window
        return Line("CDN hit ratio if crawled evenly (%)", round(100 * per_url / (1 + per_url), 1),
                    f"{PAGE_PEAK_RPS * scale:,} req/s over {urls.value * scale:,.0f} URLs, each cached {window} s "
                    f"({control!r}) <- {urls.source}")

    def page_target(self) -> Line:
        page = self.documented.page_rate()
        return Line("showcase req/s a replica (autoscaling target)", int(page.value * TARGET_UTILIZATION),
                    f"{page} x {TARGET_UTILIZATION} <- {page.source}")

    def showcase_memory(self, scale: int) -> Line:
        base, launch = self.inputs.rss_mib("showcase"), self.inputs.model_mib()
        mib = base.value + (launch.value - base.value) * scale
        fits = "fits" if mib / 1024 <= REPLICA_MEMORY_CEILING_GIB else "does NOT fit a node: split the model by country"
        return Line("showcase memory a replica (MiB)", int(mib),
                    f"{base} after start + ({launch} at launch - {base}) x {scale}: {fits} <- {launch.source}; "
                    f"{base.source}")

    def replay(self, scale: int) -> Line:
        rate, log = self.documented.replay_rate(), self.seed["events"].value * scale * YEARS_KEPT
        return Line("tijara replay showcase (minutes)", round(log / rate.value / 60, 1),
                    f"{YEARS_KEPT} years' log {log:,.0f} / {rate} events/s <- {rate.source}")

    def log_gib(self, scale: int) -> float:
        return sum(self.events_a_year(t, scale)[0] * YEARS_KEPT * self.inputs.event_bytes(t).value
                   for t in STREAMS) / 2**30

    def brokers(self, scale: int) -> list[Line]:
        disk = self.log_gib(scale) * REPLICATION
        replicas = sum(self.partitions(t, scale).value for t in STREAMS) * REPLICATION * 3  # + dlq, partner topics
        cpu = self.pipeline.cpu_us_per_event("showcase", "kafka")
        cores = self.required_rate(scale) * len(CONSUMERS) * cpu.value / 1e6
        need = max(REPLICATION, _up(disk / BROKER_DISK_GIB), _up(replicas / PARTITIONS_PER_BROKER))
        sizes = ", ".join(f"{t} {self.inputs.event_bytes(t)} B" for t in STREAMS)
        return [Line("broker disk (GiB, x replication)", round(disk, 1),
                     f"{YEARS_KEPT} years' log x bytes an event ({sizes}) x RF {REPLICATION} <- {self.inputs.path.name}"),
                Line("broker CPU at catch-up (cores)", round(cores, 2),
                     f"{len(CONSUMERS)} groups x {self.required_rate(scale):,.1f} events/s x {cpu} us <- {cpu.source}"),
                Line("brokers", need, f"max(RF {REPLICATION}, disk / {BROKER_DISK_GIB} GiB, "
                                      f"~{replicas:,} partition replicas / {PARTITIONS_PER_BROKER})")]

    def shards(self, scale: int) -> list[Line]:
        lines = []
        for service in ("inquiries", "catalogue", "showcase"):
            store = self.pipeline.cpu_us_per_event(service, "store")
            topics = {"inquiries": STREAMS, "catalogue": STREAMS[:2], "showcase": STREAMS}[service]
            rebuild = sum(self.events_a_year(t, scale)[0] * YEARS_KEPT for t in topics) / REBUILD_SECONDS
            cores = max(self.required_rate(scale), rebuild) * store.value / 1e6
            gib = sum(self.events_a_year(t, scale)[0] * YEARS_KEPT * self.inputs.event_bytes(t).value
                      for t in topics) / 2**30  # a document ~ the events that wrote it (an upper bound)
            need = max(_up(gib / SHARD_DATA_GIB), _up(cores / PRIMARY_CORES))
            lines.append(Line(f"MongoDB shards {service}", need,
                              f"data <= {gib:,.1f} GiB / {SHARD_DATA_GIB}; writes while rebuilding in {REBUILD_SECONDS} s "
                              f"{cores:.2f} cores ({store} us an event <- {store.source}) / {PRIMARY_CORES}"))
        return lines

    def scale(self, name: str) -> list[Line]:
        n = SCALES[name]
        lines = [Line("peak events/s (all streams)", round(self.peak_events_per_second(n), 2),
                      f"the seeded year's events x {n} / business seconds x burst {BURST} "
                      f"<- {self.seed['events'].source}"),
                 Line("to catch up after an outage (events/s)", round(self.required_rate(n), 1),
                      f"peak x (1 + {OUTAGE_MINUTES} / {CATCH_UP_MINUTES} minutes)")]
        lines += [self.partitions(t, n) for t in STREAMS]
        lines += [self.consumer_replicas(s, n) for s in CONSUMERS if s != "showcase"]
        lines += [self.page_replicas(n, CDN_HIT_RATIO), self.page_replicas(n, 0.0), self.crawl_hit_ratio(n),
                  self.showcase_memory(n),
                  self.replay(n)]
        if n == 1:  # what the production overlay's autoscalers take
            partitions = max(self.partitions(t, 1).value for t in STREAMS)
            lines += [Line("consumers' maxReplicas (= partitions)", partitions,
                           "a replica beyond the partition count would idle: TOPIC_PARTITIONS"),
                      Line("KEDA lag threshold a replica (records)", BATCH_SIZE,
                           "one batch (CONSUMER_BATCH_SIZE) waiting per replica"),
                      self.page_target(), self.page_surge()]
        return lines + self.brokers(n) + self.shards(n)


def report(plan: Plan) -> str:
    out = [f"Capacity plan from {plan.pipeline.path.name}, {plan.inputs.path.name} and the documented runs "
           "(python -m bench.capacity)"]
    for name in SCALES:
        out.append(f"{name}:")
        out += [line.text() for line in plan.scale(name)]
    out.append("Shard keys, when a collection is sharded:")
    out += [f"  {c:<44} {k}   {why}" for c, (k, why) in SHARD_KEYS.items()]
    return "\n".join(out)


DOC = ROOT / "docs" / "capacity.md"
MARKERS = ("<!-- bench.capacity -->\n```text\n", "```\n<!-- /bench.capacity -->")


def write_doc(text: str) -> None:
    """Replace the generated block of docs/capacity.md with `text`."""
    doc = DOC.read_text()
    start, end = doc.index(MARKERS[0]) + len(MARKERS[0]), doc.index(MARKERS[1])
    DOC.write_text(doc[:start] + text + "\n" + doc[end:])


def main() -> None:
    """`measure`: record the inputs; `doc`: print the plan and write it into docs/capacity.md; else print it."""
    if sys.argv[1:2] == ["measure"]:
        from bench.capacity_inputs import measure
        measure()
        return
    text = report(Plan())
    print(text)
    if sys.argv[1:2] == ["doc"]:
        write_doc(text)


if __name__ == "__main__":
    main()
