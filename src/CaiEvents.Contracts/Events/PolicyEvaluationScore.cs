namespace CaiEvents.Contracts.Events;

/// <summary>
/// One policy's numbers in an evaluation (those of <c>cai ppo eval</c>): the mean preference-model reward of its
/// <paramref name="Samples"/> scored samples with its standard error, and with a <paramref name="Reference"/> the mean sequence KL to it.
/// </summary>
public sealed record PolicyEvaluationScore(string Policy, string PolicySha256, int Samples, double MeanReward, double RewardStderr, string? Reference,
    double? MeanKl);
