namespace CaiEvents.Contracts.Events;

/// <summary>
/// A finished PPO job's start-versus-final evaluation, appended to its stream after the final checkpoint: the start policy and the
/// final checkpoint each sampled <paramref name="SamplesPerPrompt"/> times on every prompt of the job's run with the same seeds (from
/// <paramref name="Seed"/>, one the training did not use) and <paramref name="MaxNewTokens"/>, scored by the job's preference model;
/// <see cref="Final"/> also carries its mean KL to the start policy. PPO trains on the run's prompts (it has no held-out split), so
/// these are the prompts it was trained on, sampled afresh.
/// </summary>
public sealed record PpoEvaluated(
    Guid JobId,
    Guid RunId,
    string PreferenceModel,
    int Prompts,
    int SamplesPerPrompt,
    long Seed,
    int MaxNewTokens,
    PolicyEvaluationScore Start,
    PolicyEvaluationScore Final,
    DateTimeOffset RecordedAt);
