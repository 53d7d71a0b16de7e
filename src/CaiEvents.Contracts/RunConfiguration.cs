namespace CaiEvents.Contracts;

/// <summary>Everything that decides what a run produces, frozen into <see cref="Events.RunStarted"/>.</summary>
public sealed record RunConfiguration(
    int Revisions,
    long Seed,
    string PromptSource,
    string PromptSetHash,
    string GeneratorModel,
    string CriticModel,
    string ReviserModel,
    SamplingParameters GeneratorSampling,
    SamplingParameters CriticSampling,
    SamplingParameters ReviserSampling,
    string PromptTemplateVersion,
    FeedbackConfiguration? Feedback = null,
    bool RunSlStage = true);

/// <summary>How AI feedback labels are produced (soft, hard, or chain-of-thought with clamping).</summary>
public enum LabelMode { Soft, Hard, ChainOfThought }

/// <summary>
/// The RL-CAI labelling stage of a run: two responses per prompt from the policy, then a feedback model's
/// normalised (A)/(B) probabilities under K comparison principles, both option orders averaged.
/// </summary>
public sealed record FeedbackConfiguration(
    string PolicyModel,
    SamplingParameters PolicySampling,
    string FeedbackModel,
    int PrinciplesPerLabel,
    LabelMode Mode,
    double ClampLow,
    double ClampHigh,
    SamplingParameters ReasoningSampling,
    string FeedbackTemplateVersion);

/// <summary>The full constitution text as used by the run, so a run can be replayed and audited without the file.</summary>
public sealed record ConstitutionSnapshot(string Id, int Version, string ContentHash, string SourceName, string Text);
