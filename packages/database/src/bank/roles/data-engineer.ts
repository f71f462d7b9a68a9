import type { RoleBank } from "../curated.ts";

// Categories: SQL, Data Modeling, Pipelines, Distributed Processing, Streaming, Data Quality.
export const dataEngineer: RoleBank = {
  easy: [
    [
      "SQL",
      "What is a window function, and how does it differ from GROUP BY?",
      [
        "Computes over related rows without collapsing them",
        "GROUP BY returns one row per group",
        "Running totals and rankings with PARTITION BY and ORDER BY",
      ],
    ],
    [
      "SQL",
      "What is the difference between UNION and UNION ALL, and which should you use by default?",
      [
        "UNION removes duplicates, which costs a sort or hash",
        "UNION ALL keeps every row and is cheaper",
        "Use UNION ALL unless duplicates must go",
      ],
    ],
    [
      "Data Modeling",
      "What is the difference between a fact table and a dimension table?",
      [
        "Facts: events with numeric measures and foreign keys; large",
        "Dimensions: descriptive attributes to filter and group by",
        "Together they form a star schema",
      ],
    ],
    [
      "Data Modeling",
      "What is normalization, and why do analytical warehouses often denormalize?",
      [
        "Normalization removes redundancy and protects integrity in OLTP systems",
        "Analytics favour fewer joins and wide tables",
        "Columnar storage makes repeated values cheap",
      ],
    ],
    [
      "Pipelines",
      "What is the difference between ETL and ELT?",
      [
        "ETL transforms data before loading it",
        "ELT loads raw data, then transforms it in the warehouse",
        "ELT keeps raw data for reprocessing and uses warehouse compute",
      ],
    ],
    [
      "Pipelines",
      "What does it mean for a pipeline task to be idempotent, and why does it matter?",
      [
        "Running it twice gives the same result",
        "Retries and backfills become safe",
        "Overwrite partitions or MERGE instead of blind appends",
      ],
    ],
    [
      "Distributed Processing",
      "Why are columnar formats like Parquet preferred for analytics?",
      [
        "Read only the columns a query needs",
        "Better compression per column",
        "Statistics let readers skip data (predicate pushdown)",
        "Files split for parallel reads",
      ],
    ],
    [
      "Distributed Processing",
      "What is partitioning in a data lake or warehouse, and how do you choose a partition key?",
      [
        "Data is split by a column such as date",
        "Queries filtering on it read fewer files",
        "Choose a common filter with moderate cardinality",
        "Too many small partitions hurt",
      ],
    ],
    [
      "Streaming",
      "What is the difference between batch and stream processing?",
      [
        "Batch: bounded data processed on a schedule, higher latency",
        "Streaming: unbounded events processed continuously, low latency",
        "Streaming adds state, ordering and late data to handle",
      ],
    ],
    [
      "Streaming",
      "What is a Kafka partition, and what ordering does Kafka guarantee?",
      [
        "A topic is split into append-only partition logs",
        "Order is guaranteed only within a partition",
        "The message key chooses the partition",
        "Partitions let a consumer group read in parallel",
      ],
    ],
    [
      "Data Quality",
      "What checks would you add to a daily pipeline to catch bad data?",
      [
        "Row counts against expectations",
        "Nulls and uniqueness on keys",
        "Freshness",
        "Schema and referential checks",
      ],
    ],
    [
      "Data Quality",
      "What is data lineage, and why is it useful?",
      [
        "Where data comes from and how it was transformed",
        "Impact analysis before a change",
        "Faster debugging of wrong numbers",
        "Compliance questions",
      ],
    ],
  ],
  medium: [
    [
      "SQL",
      "How would you deduplicate a table of repeated events, keeping the latest version of each record?",
      [
        "ROW_NUMBER partitioned by the business key, ordered by update time descending",
        "Keep row 1",
        "A deterministic tie-breaker",
        "Do it incrementally with MERGE where possible",
      ],
    ],
    [
      "SQL",
      "How would you find out why a query in a cloud warehouse such as BigQuery or Snowflake is slow?",
      [
        "Read the query profile: bytes scanned, spills, skewed steps",
        "Check partition and cluster pruning, e.g. functions on the partition column",
        "Look for exploding many-to-many joins",
        "Materialize intermediate results",
      ],
    ],
    [
      "Data Modeling",
      "What are slowly changing dimensions, and how do you implement Type 2?",
      [
        "Attributes that change over time",
        "Type 1 overwrites; Type 2 adds a row with valid_from, valid_to and a current flag",
        "Surrogate keys",
        "Join facts to the version valid at event time",
      ],
    ],
    [
      "Data Modeling",
      "How would you model product event data so it serves both analytics and debugging?",
      [
        "A raw, immutable event table with a known schema",
        "Curated models built from it, such as sessions and facts",
        "A tracking plan or schema registry",
        "Partition by event date",
      ],
    ],
    [
      "Pipelines",
      "A pipeline processed a year of data incorrectly. How do you design the backfill?",
      [
        "Idempotent reruns partition by partition",
        "Separate and throttled compute",
        "Validate new output against the old before swapping",
        "Tell consumers what changes and when",
      ],
    ],
    [
      "Pipelines",
      "How do you handle late-arriving data in a daily batch pipeline?",
      [
        "Distinguish event time from processing time",
        "Reprocess a look-back window of partitions",
        "Upserts with MERGE",
        "Agree a cutoff and SLA with consumers",
      ],
    ],
    [
      "Distributed Processing",
      "What is data skew in Spark, and how do you fix it?",
      [
        "A few keys hold most data, so a few tasks run far longer",
        "Salt hot keys",
        "Broadcast the small side of a join",
        "Adaptive query execution's skew join handling",
      ],
    ],
    [
      "Distributed Processing",
      "What is a shuffle in Spark, and why is it expensive?",
      [
        "Narrow transformations stay within a partition",
        "Wide ones (joins, groupBy) move data across the network",
        "Costs disk, network and serialization, and a stage boundary",
        "Reduce it with broadcasts and good partitioning",
      ],
    ],
    [
      "Streaming",
      "What delivery guarantees can a stream processor give, and how do you get effectively-once results?",
      [
        "At-most-once, at-least-once, exactly-once",
        "Idempotent sinks or upserts by key",
        "Transactional writes committed with offsets, or checkpoints",
      ],
    ],
    [
      "Streaming",
      "How do windows work in stream processing, and what is a watermark?",
      [
        "Tumbling, sliding and session windows",
        "A watermark estimates how far event time has progressed",
        "It decides when a window can close",
        "Late events: allowed lateness or a side output",
      ],
    ],
    [
      "Data Quality",
      "How would you set up data contracts between a team producing events and the teams consuming them?",
      [
        "An explicit schema and meaning owned by the producer",
        "A schema registry with compatibility checks in CI",
        "Versioning and deprecation",
        "Monitoring of violations",
      ],
    ],
    [
      "Data Quality",
      "A key dashboard number moved 20% overnight. How do you find out whether it is real or a data problem?",
      [
        "Check pipeline runs, freshness and row counts",
        "Compare raw sources with the modelled tables",
        "Look for recent code, schema or upstream changes",
        "Segment the change",
      ],
    ],
  ],
  hard: [
    [
      "SQL",
      "How would you build an incremental model for a large fact table whose source rows are updated and deleted?",
      [
        "MERGE on a unique key",
        "Detect changes by update timestamps or change data capture",
        "Handle deletes with flags or tombstones",
        "Reconcile with periodic full refreshes",
      ],
    ],
    [
      "SQL",
      "How would you count distinct users over arbitrary date ranges on billions of events, and when would you accept an approximation?",
      [
        "Exact counts per range are expensive; daily distinct counts cannot be summed",
        "HyperLogLog sketches merge across days with about 1-2% error",
        "Bitmaps can stay exact at moderate cardinality",
        "Ask what precision the decision needs",
      ],
    ],
    [
      "Data Modeling",
      "Design a warehouse model for a subscription business that supports MRR, churn and cohort analysis.",
      [
        "A subscription event fact and a daily snapshot fact",
        "Customer, plan (Type 2) and date dimensions",
        "MRR movements: new, expansion, contraction, churn",
        "Currencies and proration",
      ],
    ],
    [
      "Data Modeling",
      "How would you use a table format such as Iceberg or Delta Lake to support concurrent writers and time travel?",
      [
        "Snapshots with atomic commits and optimistic concurrency",
        "Time travel and rollback through snapshots",
        "Compact small files and expire old snapshots",
        "Schema and partition evolution",
      ],
    ],
    [
      "Pipelines",
      "Design orchestration for hundreds of interdependent pipelines owned by different teams.",
      [
        "Dependencies on datasets rather than on times",
        "Clear owners and alerts routed to them",
        "SLAs, retries and backfill tooling",
        "Isolated resources and CI for pipeline code",
      ],
    ],
    [
      "Pipelines",
      "How would you migrate a critical pipeline to a new platform without disrupting its consumers?",
      [
        "Run old and new in parallel and reconcile outputs",
        "Stable interfaces such as views for consumers",
        "Move consumers gradually with a rollback plan",
        "Decommission after sign-off",
      ],
    ],
    [
      "Distributed Processing",
      "A Spark job over 5 TB fails with executor out-of-memory errors. How do you approach it?",
      [
        "Find the failing stage: skew, huge shuffle partitions, collects to the driver",
        "More shuffle partitions and adaptive execution",
        "Fix skewed keys and exploding joins",
        "Tune memory overhead and caching last",
      ],
    ],
    [
      "Distributed Processing",
      "How would you design a data platform where many teams can run heavy queries without slowing each other down?",
      [
        "Separate compute per workload over shared storage",
        "Workload management and quotas",
        "Access controls on shared data",
        "Cost attribution per team",
      ],
    ],
    [
      "Streaming",
      "Design a real-time pipeline that computes per-minute metrics from clickstream events, including late and duplicate events.",
      [
        "Kafka ingestion keyed by user or session",
        "Deduplicate by event id with expiring state",
        "Event-time windows with watermarks and allowed lateness",
        "Upsert to a serving store; reconcile with batch",
      ],
    ],
    [
      "Streaming",
      "How would you implement change data capture from an OLTP database into a warehouse?",
      [
        "Log-based capture (e.g. Debezium on the WAL or binlog) over query polling",
        "An initial snapshot consistent with the stream",
        "Per-key ordering and schema changes",
        "Apply with MERGE, including deletes",
      ],
    ],
    [
      "Data Quality",
      "How would you build data observability that catches issues before consumers notice them?",
      [
        "Monitor freshness, volume, schema and distributions",
        "Lineage for impact and root cause",
        "Alerts routed to owners by severity",
        "Stop bad data from propagating downstream",
      ],
    ],
    [
      "Data Quality",
      "How do you honour personal-data deletion requests in a data lake built on immutable files?",
      [
        "Find personal data through a catalog and tags",
        "Row-level deletes in Iceberg or Delta, then compaction and snapshot expiry",
        "Or crypto-shredding with per-user keys",
        "Propagate to derived tables and backups",
      ],
    ],
  ],
};
