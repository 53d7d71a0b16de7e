namespace CaiEvents.Models.Tokenization;

/// <summary>What a training run did, for logs and tests.</summary>
public sealed record BpeTrainingReport(int VocabSize, int MergeCount, int DistinctWords, long TotalWords, TimeSpan CountTime, TimeSpan MergeTime);
