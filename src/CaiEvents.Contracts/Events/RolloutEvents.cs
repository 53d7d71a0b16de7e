namespace CaiEvents.Contracts.Events;

/// <summary>One sampled rollout: the prompt and response token ids the policy saw and produced, and the response text.</summary>
public sealed record GeneratedRollout(int Row, int[] PromptIds, int[] ResponseIds, string Text);

/// <summary>
/// A Generator worker's answer to a <see cref="Commands.GenerateRollouts"/> (the only event of stream RequestId).
/// <see cref="PolicySha256"/> is the hash of the weights the worker actually loaded and sampled from.
/// </summary>
public sealed record RolloutsGenerated(
    Guid RequestId,
    Guid JobId,
    int Step,
    string PolicySha256,
    IReadOnlyList<GeneratedRollout> Rollouts,
    string GeneratedBy,
    DateTimeOffset GeneratedAt);
