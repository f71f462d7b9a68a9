import type { RoleBank } from "../curated.ts";

// Covers MLOps. Categories: ML Fundamentals, Deep Learning, Model Serving, MLOps,
// ML System Design.
export const mlEngineer: RoleBank = {
  easy: [
    [
      "ML Fundamentals",
      "What are training, validation and test sets each used for?",
      [
        "Training data fits the parameters",
        "Validation data chooses models and hyperparameters",
        "The test set, used once, estimates real performance",
        "Never tune on the test set",
      ],
    ],
    [
      "ML Fundamentals",
      "What is regularization, and how do L1 and L2 regularization differ?",
      [
        "A penalty on complexity that reduces overfitting",
        "L1 drives weights to zero: sparse models",
        "L2 shrinks weights smoothly",
        "Tune its strength on validation data",
      ],
    ],
    [
      "Deep Learning",
      "What does an activation function do in a neural network, and why is ReLU common?",
      [
        "Adds non-linearity; without it the network is linear",
        "ReLU is cheap and eases vanishing gradients",
        "Dead units are a known issue; variants such as Leaky ReLU and GELU",
      ],
    ],
    [
      "Deep Learning",
      "What is the learning rate, and what happens when it is too high or too low?",
      [
        "The step size of each gradient update",
        "Too high: divergence or oscillation",
        "Too low: slow or stuck training",
        "Schedules and warmup",
      ],
    ],
    [
      "Model Serving",
      "What is the difference between batch and online inference?",
      [
        "Batch precomputes predictions on a schedule: cheap but stale",
        "Online predicts per request: fresh but latency-bound",
        "Choose by freshness and latency needs",
      ],
    ],
    [
      "Model Serving",
      "Why must preprocessing be saved and deployed together with a trained model?",
      [
        "Serving must apply exactly the same transforms",
        "Otherwise training-serving skew",
        "Package and version them as one pipeline",
      ],
    ],
    [
      "MLOps",
      "Why is experiment tracking important, and what should you record?",
      [
        "Reproducibility and comparison",
        "Code and data versions",
        "Hyperparameters, metrics and artifacts",
        "Tools such as MLflow",
      ],
    ],
    [
      "MLOps",
      "What is model drift, and how can you detect it?",
      [
        "Data drift: inputs change; concept drift: the relationship changes",
        "Monitor feature and prediction distributions (PSI, KS tests)",
        "Track performance once labels arrive",
      ],
    ],
    [
      "ML System Design",
      "What makes a good baseline for a new machine learning problem, and why start with one?",
      [
        "A heuristic or a simple linear or tree model",
        "Sets the bar any complex model must beat",
        "Checks the pipeline end to end",
        "Sometimes it is good enough",
      ],
    ],
    [
      "ML System Design",
      "What does a production machine learning system need besides the model itself?",
      [
        "Data collection and feature pipelines",
        "A training pipeline and model registry",
        "Serving infrastructure",
        "Monitoring and a feedback loop",
      ],
    ],
  ],
  medium: [
    [
      "ML Fundamentals",
      "How do gradient-boosted trees work, and when would you prefer them to a neural network?",
      [
        "Trees added one after another, each fitting the remaining error",
        "Strong on tabular data with little preprocessing",
        "Neural networks win on images, text and audio",
        "Tune learning rate and depth; stop early",
      ],
    ],
    [
      "ML Fundamentals",
      "How do you choose a classification threshold for a model in production, and why calibrate it?",
      [
        "Set the threshold from the costs of false positives and negatives",
        "Use the precision-recall curve",
        "Calibration (Platt, isotonic) makes scores usable as probabilities",
        "Revisit when base rates change",
      ],
    ],
    [
      "Deep Learning",
      "A neural network's training loss doesn't decrease. How do you debug it?",
      [
        "Try to overfit one small batch",
        "Check the learning rate and initialization",
        "Look for bugs in data, labels and normalization",
        "Inspect gradients for vanishing, exploding or NaN values",
      ],
    ],
    [
      "Deep Learning",
      "What is transfer learning, and how would you fine-tune a pretrained model on a small dataset?",
      [
        "Reuse learned representations",
        "Train a new head first, then unfreeze with a low learning rate",
        "Augmentation and regularization",
        "Parameter-efficient methods such as LoRA for large models",
      ],
    ],
    [
      "Model Serving",
      "How would you reduce the latency of a model served behind an API?",
      [
        "Quantization, distillation or a compiled runtime (ONNX, TensorRT)",
        "Dynamic batching",
        "Cache frequent predictions and features",
        "Right-size the hardware",
      ],
    ],
    [
      "Model Serving",
      "How would you roll out a new model version safely?",
      [
        "Offline evaluation, then shadow mode",
        "Canary or A/B test on online metrics",
        "Versioned registry and automatic rollback",
        "Compare with the current model on the business metric",
      ],
    ],
    [
      "MLOps",
      "What is a feature store, and what problems does it solve?",
      [
        "Shared feature definitions reused across models",
        "The same values offline for training and online for serving",
        "Point-in-time correct joins for training data",
        "Governance and discovery",
      ],
    ],
    [
      "MLOps",
      "How would you set up automated retraining for a model?",
      [
        "Trigger on a schedule or on drift and performance",
        "Validate data, train, then evaluate against the current model",
        "Promotion gates",
        "Version data and models",
      ],
    ],
    [
      "ML System Design",
      "Design a spam detection system for user comments.",
      [
        "Text plus user and behaviour features",
        "Start simple; thresholds and a human review queue",
        "Spammers adapt: feedback from reports and retraining",
        "Latency and the cost of false positives",
      ],
    ],
    [
      "ML System Design",
      "How would you get labels for a supervised problem when labelling is expensive?",
      [
        "Active learning to label the most informative examples",
        "Weak supervision and implicit feedback",
        "Guidelines and inter-annotator agreement for quality",
        "Weigh labelling cost against value",
      ],
    ],
  ],
  hard: [
    [
      "ML Fundamentals",
      "How would you detect and mitigate bias in a model that approves loans?",
      [
        "Choose fairness metrics (demographic parity, equalized odds); they conflict",
        "Audit performance by group and look for proxy features",
        "Mitigate before, during or after training",
        "Explainability, governance and regulation",
      ],
    ],
    [
      "ML Fundamentals",
      "How do you evaluate a ranking or recommendation model offline, and why do offline results disagree with online ones?",
      [
        "Ranking metrics such as NDCG and recall@k",
        "Logged data is biased by the previous model (position, selection)",
        "Counterfactual estimators such as inverse propensity scoring",
        "Confirm with online A/B tests",
      ],
    ],
    [
      "Deep Learning",
      "How does attention in a transformer work, and what limits the context length?",
      [
        "Queries, keys and values: softmax(QKᵀ/√d)·V",
        "Multiple heads attend to different patterns",
        "Compute and memory grow quadratically with sequence length; the KV cache grows too",
        "Mitigations such as FlashAttention and sparse attention",
      ],
    ],
    [
      "Deep Learning",
      "How would you train a large model across many GPUs?",
      [
        "Data parallelism with gradient all-reduce",
        "Tensor and pipeline parallelism when the model does not fit",
        "Sharding (ZeRO, FSDP), mixed precision, activation checkpointing",
        "Communication bottlenecks and checkpoints against failures",
      ],
    ],
    [
      "Model Serving",
      "Design a system to serve a large language model to thousands of concurrent users cost-effectively.",
      [
        "Continuous batching and paged KV-cache management",
        "Quantization, right-sized models, speculative decoding",
        "GPU autoscaling, queues and rate limits",
        "Stream tokens; cache repeated prompts",
      ],
    ],
    [
      "Model Serving",
      "How would you serve hundreds of per-customer models efficiently?",
      [
        "Multi-model servers loading on demand with LRU eviction",
        "A shared base model with small per-customer adapters",
        "Route requests by tenant",
        "Trade cold-start latency against memory; monitor per model",
      ],
    ],
    [
      "MLOps",
      "How do you make ML training pipelines reproducible end to end?",
      [
        "Version code, data snapshots and environments (containers, pinned deps)",
        "Seeds and deterministic operations where possible",
        "Lineage from each model to its data and config",
        "A registry with artifacts",
      ],
    ],
    [
      "MLOps",
      "How would you monitor a model in production when ground-truth labels arrive weeks later?",
      [
        "Input and prediction drift as early signals",
        "Proxy metrics and business KPIs",
        "Delayed evaluation jobs that join labels when they arrive",
        "Alerts per slice",
      ],
    ],
    [
      "ML System Design",
      "Design a recommendation system for a video streaming service.",
      [
        "Candidate generation (embeddings, nearest-neighbour search) then a ranking model",
        "Features from history, context and content",
        "Objectives beyond clicks: watch time, diversity; cold start",
        "Online experiments and feedback loops",
      ],
    ],
    [
      "ML System Design",
      "Design a machine-learning search ranking system for an e-commerce site.",
      [
        "Retrieval (lexical and semantic) then learning-to-rank",
        "Labels from clicks and purchases corrected for position bias",
        "Query, item and user features",
        "A latency budget and A/B evaluation",
      ],
    ],
  ],
};
