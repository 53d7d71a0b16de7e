namespace CaiEvents.Application.Evaluation;

/// <summary>What <c>cai ppo eval</c> prints (mean KL only with a reference).</summary>
public sealed record PolicyEvaluationResult(string Policy, string PolicySha256, string Pm, int Prompts, int Samples, double MeanReward, double RewardStderr,
    string? Reference, double? MeanKl);
