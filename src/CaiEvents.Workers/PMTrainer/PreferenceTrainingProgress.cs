using System.Diagnostics;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>Step-level progress of jobs running in this process (for a progress bar); events carry the durable record.</summary>
public sealed class PreferenceTrainingProgress
{
    public event Action<Guid, int, int, PreferenceStepMetrics>? Step;

    internal void Report(Guid jobId, int epoch, int stepsInEpoch, PreferenceStepMetrics metrics) => Step?.Invoke(jobId, epoch, stepsInEpoch, metrics);
}
