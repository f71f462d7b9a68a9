import type { RoleBank } from "../curated.ts";

// Categories: Statistics, Machine Learning, Experimentation (with causal inference), SQL,
// Communication.
export const dataScientist: RoleBank = {
  easy: [
    [
      "Statistics",
      "What is the difference between mean and median, and when is the median better?",
      [
        "Mean is sensitive to outliers",
        "Median is robust for skewed data",
        "Examples such as income",
      ],
    ],
    [
      "Statistics",
      "How do you handle missing values in a dataset?",
      [
        "Understand why values are missing",
        "Drop, impute or flag",
        "Avoid leaking information from the test set",
      ],
    ],
    [
      "Machine Learning",
      "What is overfitting and how can you detect it?",
      ["The model learns noise", "Gap between training and validation error", "Cross-validation"],
    ],
    [
      "Machine Learning",
      "What is the difference between supervised and unsupervised learning? Give an example of each.",
      [
        "Supervised learns from labelled targets, e.g. predicting churn",
        "Unsupervised finds structure without labels, e.g. clustering customers",
        "They are evaluated differently",
      ],
    ],
    [
      "Experimentation",
      "What is an A/B test, and why do we randomize who sees each version?",
      [
        "Compare a control and a treatment on a chosen metric",
        "Randomization balances confounders, so the difference is causal",
        "It needs enough users to detect the effect",
      ],
    ],
    [
      "Experimentation",
      "What is the difference between correlation and causation? Give an example.",
      [
        "Correlation is association only",
        "A confounder can drive both, e.g. summer drives ice cream sales and drownings",
        "Causality can run the other way",
        "Experiments establish causation",
      ],
    ],
    [
      "SQL",
      "What is the difference between an INNER JOIN and a LEFT JOIN?",
      [
        "INNER JOIN keeps only matching rows",
        "LEFT JOIN keeps every left row, with NULLs where nothing matches",
        "A WHERE filter on the right table turns a LEFT JOIN into an INNER JOIN",
      ],
    ],
    [
      "SQL",
      "What is the difference between WHERE and HAVING in SQL?",
      [
        "WHERE filters rows before grouping",
        "HAVING filters groups after aggregation",
        "Filter in WHERE when possible: it is cheaper",
      ],
    ],
    [
      "Communication",
      "How would you explain a confidence interval to a non-technical stakeholder?",
      [
        "A range of plausible values for the true effect",
        "Its width shows how uncertain we are",
        "More data gives a narrower range",
        "Tie it to the decision at hand",
      ],
    ],
    [
      "Communication",
      "How do you choose the right chart to present a result?",
      [
        "Match the chart to the question: line for trends, bars for comparisons, histogram for distributions",
        "Avoid clutter and misleading axes",
        "Put the takeaway in the title",
      ],
    ],
  ],
  medium: [
    [
      "Statistics",
      "Explain p-values and a common way they are misinterpreted.",
      [
        "Probability of data at least as extreme under the null",
        "Not the probability the null is true",
        "Significance is not effect size",
      ],
    ],
    [
      "Statistics",
      "When would you use a non-parametric test instead of a t-test?",
      [
        "The t-test assumes roughly normal sample means; large samples help",
        "Small, heavily skewed samples, outliers or ordinal data",
        "Mann-Whitney, Wilcoxon or a bootstrap",
        "They may test a different hypothesis than equal means",
      ],
    ],
    [
      "Machine Learning",
      "How do you choose an evaluation metric for an imbalanced classification problem?",
      [
        "Accuracy is misleading",
        "Precision, recall, F1, PR-AUC",
        "Tie the metric to the business cost of errors",
      ],
    ],
    [
      "Machine Learning",
      "How do you prevent data leakage when building a model?",
      [
        "Split first; fit preprocessing on training data only",
        "Time-based splits for temporal data",
        "Drop features not available at prediction time",
        "Group splits for related rows",
      ],
    ],
    [
      "Experimentation",
      "How would you design an A/B test for a new recommendation algorithm?",
      [
        "Define the primary metric and guardrails",
        "Power analysis for sample size",
        "Randomization unit",
        "Avoid peeking",
      ],
    ],
    [
      "Experimentation",
      "An A/B test shows a significant lift in the primary metric but a drop in a guardrail metric. What do you do?",
      [
        "Check validity first: sample ratio mismatch, novelty effects, bugs",
        "Quantify the trade-off in business terms",
        "Look at segments",
        "Decide with stakeholders, or iterate on the change",
      ],
    ],
    [
      "SQL",
      "How would you find each user's most recent order in SQL?",
      [
        "ROW_NUMBER() OVER (PARTITION BY user ORDER BY created_at DESC) and keep row 1",
        "Alternatives: DISTINCT ON or a correlated subquery",
        "Decide how to break ties",
      ],
    ],
    [
      "SQL",
      "How would you compute 7-day retention from a signups table and an events table?",
      [
        "Define cohorts by signup date",
        "Find users active in the day-7 window",
        "Divide returning users by cohort size",
        "Handle time zones and cohorts too recent to measure",
      ],
    ],
    [
      "Communication",
      "A stakeholder asks for a metric that you believe is misleading. How do you handle it?",
      [
        "Understand the decision behind the request",
        "Show the problem with a concrete example",
        "Propose a better metric, or show both",
        "Write down the agreed definition",
      ],
    ],
    [
      "Communication",
      "How do you present an analysis that did not find what the team hoped for?",
      [
        "Lead with the finding and how confident you are",
        "Explain what it rules out and why that is useful",
        "Recommend next steps",
        "No fishing for a better answer",
      ],
    ],
  ],
  hard: [
    [
      "Statistics",
      "Explain the bias-variance trade-off and how regularization affects it.",
      [
        "Error decomposition",
        "Complex models have high variance",
        "Regularization adds bias to cut variance",
        "Choose strength by cross-validation",
      ],
    ],
    [
      "Statistics",
      "How do you handle multiple comparisons when analysing many metrics or segments at once?",
      [
        "False positives grow with the number of tests",
        "Family-wise control (Bonferroni, Holm) or false discovery rate (Benjamini-Hochberg)",
        "Name one primary metric in advance",
        "Treat segment findings as hypotheses to confirm",
      ],
    ],
    [
      "Machine Learning",
      "Your model performs well offline but poorly in production. How do you investigate?",
      [
        "Training and serving skew",
        "Data drift and concept drift",
        "Leakage in offline evaluation",
        "Monitoring and shadow deployment",
      ],
    ],
    [
      "Machine Learning",
      "How would you build a churn model whose predictions lead to useful interventions rather than just accurate scores?",
      [
        "Define churn and the prediction horizon",
        "Model uplift: who changes behaviour if contacted",
        "Calibrate and set thresholds from the intervention's cost",
        "Validate the whole loop with an experiment",
      ],
    ],
    [
      "Experimentation",
      "How would you estimate the effect of a feature launch when a randomized experiment is impossible?",
      [
        "Difference-in-differences",
        "Synthetic control",
        "Propensity score methods",
        "State the assumptions and check them",
      ],
    ],
    [
      "Experimentation",
      "How would you run experiments in a two-sided marketplace where treating buyers affects sellers?",
      [
        "Interference breaks the independence assumption (SUTVA)",
        "Cluster, geographic or switchback randomization",
        "Each design trades bias against variance",
        "Measure effects on both sides",
      ],
    ],
    [
      "SQL",
      "How would you split a raw event log into sessions that end after 30 minutes of inactivity, in SQL?",
      [
        "LAG over each user's events ordered by time",
        "Flag a new session when the gap exceeds 30 minutes",
        "A running SUM of the flags numbers the sessions",
        "Partition the work on large tables",
      ],
    ],
    [
      "SQL",
      "A dashboard query over billions of rows is too slow for daily use. How do you make it fast enough?",
      [
        "Pre-aggregate into summary tables or materialized views",
        "Partition and cluster on the filter columns",
        "Approximate distinct counts (HyperLogLog) where acceptable",
        "Refresh incrementally",
      ],
    ],
    [
      "Communication",
      "How would you convince leadership to stop using a long-standing metric that drives bad decisions?",
      [
        "Show concrete cases where it misled",
        "Propose a replacement validated against long-term outcomes",
        "Run both side by side for a while",
        "Work with the metric's owners and incentives",
      ],
    ],
    [
      "Communication",
      "A decision is due next week. How do you choose between a quick directional analysis and a rigorous study?",
      [
        "Match rigour to the stakes and to how reversible the decision is",
        "State assumptions and uncertainty plainly",
        "Plan a follow-up to validate",
        "Timebox the work",
      ],
    ],
  ],
};
