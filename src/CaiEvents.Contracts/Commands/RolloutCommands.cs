namespace CaiEvents.Contracts.Commands;

/// <summary>One prompt of a rollout request: its row in the step's batch, the prompt as the policy sees it, and its sampling seed.</summary>
public sealed record RolloutPromptSpec(int Row, string RenderedPrompt, long Seed);

/// <summary>
/// Ask a Generator worker for one step's PPO rollouts: sample one response per prompt from the policy checkpoint at
/// <see cref="PolicyDirectory"/> (an HF GPT-2 directory the worker can read) whose weights hash to <see cref="PolicySha256"/>.
/// <see cref="RequestId"/> is a function of job, step and policy hash; the answer is the stream
/// <see cref="RequestId"/>'s single <see cref="Events.RolloutsGenerated"/> event, so a redelivered request appends nothing.
/// </summary>
public sealed record GenerateRollouts(
    Guid RequestId,
    Guid JobId,
    int Step,
    string PolicyDirectory,
    string PolicySha256,
    IReadOnlyList<RolloutPromptSpec> Prompts,
    double Temperature,
    double TopP,
    int TopK,
    int MaxNewTokens,
    IReadOnlyList<string> StopSequences);
