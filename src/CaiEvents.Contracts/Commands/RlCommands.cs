namespace CaiEvents.Contracts.Commands;

// Commands of the RL stage. The roles that consume them (Labeller, PMTrainer, PPOLearner) have their
// folders and options now; their consumers land with the RL issues. The shapes follow those issues.

/// <summary>Ask the Labeller for a soft (A)/(B) preference label on one response pair.</summary>
public sealed record LabelPreference(Guid RunId, Guid PairId, Guid CausationId);

/// <summary>Ask the PMTrainer to train a preference model on a run's labels as of an event-store sequence.</summary>
public sealed record TrainPreferenceModel(Guid JobId, Guid RunId, long AsOf, long Seed, IReadOnlyDictionary<string, string> HyperParameters);

/// <summary>Ask the PPOLearner to optimise a policy against a preference model checkpoint.</summary>
public sealed record TrainPolicy(Guid JobId, Guid RunId, string PreferenceModelCheckpoint, int Steps, long Seed, IReadOnlyDictionary<string, string> HyperParameters);
