namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// The numbers of <c>cai report labels</c>: per principle statistics, agreement between principles, the position bias over
/// every (pair, principle) judged in both orders, the share of labels within <see cref="NearHalfMargin"/> of ½, and agreement
/// with human judgements on comparisons that have both (null: none has).
/// </summary>
public sealed record LabelReportNumbers(int Labels, IReadOnlyList<PrincipleLabelStatistics> Principles, IReadOnlyList<PrincipleAgreement> Agreements,
    int PositionBiasCount, double? MeanPositionBias, double? MaxPositionBias, double NearHalfMargin, double? ShareNearHalf,
    int HumanComparisons, double? HumanAgreement);
