using CaiEvents.Domain.Evaluation;

namespace CaiEvents.Application.Evaluation;

/// <summary>What <c>cai report labels</c> read and computed: the run, the run holding the human comparisons, and the numbers.</summary>
public sealed record LabelReportResult(Guid RunId, Guid HumanRunId, int HumanImported, LabelReportNumbers Numbers);
