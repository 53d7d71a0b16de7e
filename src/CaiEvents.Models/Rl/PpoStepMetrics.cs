namespace CaiEvents.Models.Rl;

/// <summary>What one PPO step measured. Reward is the preference-model score; KL is per sequence (summed over tokens) against the reference.</summary>
public sealed record PpoStepMetrics(
    int Step,
    double MeanScore,
    double MeanKl,
    double MeanTotalReward,
    double ClipFraction,
    double PolicyLoss,
    double ValueLoss,
    double Entropy,
    double KlCoefficient,
    double MeanResponseTokens);
