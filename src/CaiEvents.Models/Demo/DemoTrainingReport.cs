namespace CaiEvents.Models.Demo;

/// <summary>What training the demo model measured; written beside the weights as demo-report.json.</summary>
public sealed record DemoTrainingReport(
    string RecipeHash,
    string WeightsSha256,
    long Parameters,
    int Steps,
    long TrainTokens,
    double TrainSeconds,
    double FinalTrainLoss,
    double HeldOutLoss,
    int HeldOutComparisons,
    double HarmlessPreferenceRate,
    double MeanHarmlessProbability,
    string CorpusSummary);
