using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Labeller;

/// <summary>Records a labelling step that failed after its retries.</summary>
public sealed class LabelPreferenceFaultConsumer(ComparisonFailureRecorder failures) : StepFaultConsumer<LabelPreference>(failures, WorkerRoles.Labeller);
