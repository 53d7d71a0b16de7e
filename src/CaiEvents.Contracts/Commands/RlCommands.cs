namespace CaiEvents.Contracts.Commands;

// Commands of the RL stage. Like the SL commands they name only the run, the item and the cause; the
// consumer reads everything else from the event store.

/// <summary>What every RL-labelling command names: the run, the comparison (pair) stream, and the cause.</summary>
public interface IPairCommand
{
    Guid RunId { get; }
    Guid PairId { get; }
    Guid CausationId { get; }
}

/// <summary>Ask the Generator for two responses to a comparison's prompt (sampled with two recorded seeds).</summary>
public sealed record GenerateResponsePair(Guid RunId, Guid PairId, Guid CausationId) : IPairCommand;

/// <summary>Ask the Labeller for a soft (A)/(B) preference label on one response pair.</summary>
public sealed record LabelPreference(Guid RunId, Guid PairId, Guid CausationId) : IPairCommand;

/// <summary>Ask the PMTrainer to train a preference model on a run's labels as of an event-store sequence.</summary>
public sealed record TrainPreferenceModel(Guid JobId, Guid RunId, long AsOf, long Seed, IReadOnlyDictionary<string, string> HyperParameters);

/// <summary>
/// Ask the PPOLearner to optimise a policy against a preference model checkpoint (a directory the worker can read).
/// <see cref="PolicyModel"/>: the starting policy and frozen reference (a model id, or <c>sft:RUN</c>; default <c>sft:RunId</c>);
/// <see cref="OutputDirectory"/>: where checkpoints go (default: the worker's output root / JobId);
/// <see cref="Rollouts"/>: <c>inprocess</c> (default) or <c>workers</c> (Generator workers over the bus).
/// </summary>
public sealed record TrainPolicy(Guid JobId, Guid RunId, string PreferenceModelCheckpoint, int Steps, long Seed,
    IReadOnlyDictionary<string, string> HyperParameters,
    string? PolicyModel = null, string? OutputDirectory = null, string? Rollouts = null);
