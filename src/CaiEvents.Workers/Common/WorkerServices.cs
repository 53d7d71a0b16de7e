using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaiEvents.Workers.Common;

/// <summary>The services every role shares, registered once per host.</summary>
public static class WorkerServices
{
    public static IServiceCollection AddWorkerCommon(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(WorkerIdentity.ForThisProcess());
        // The one record that decides where and how this process's models run ("Models": Device, DType, InitSeed, Remote).
        services.TryAddSingleton(ModelConfiguration.Options(configuration));
        services.TryAddSingleton<IModelProvider, ModelProvider>();
        services.TryAddSingleton<RunContextCache>();
        services.TryAddSingleton<StepExecutor>();
        services.TryAddSingleton<SampleFailureRecorder>();
        services.TryAddSingleton<ComparisonFailureRecorder>();
        var submission = configuration.GetSection(SubmissionOptions.Section).Get<SubmissionOptions>() ?? new SubmissionOptions();
        if (submission.ChunkSize < 1)
            throw new ConfigurationMissingException($"{SubmissionOptions.Section}:ChunkSize must be at least 1, got {submission.ChunkSize}");
        services.TryAddSingleton(submission);
        services.TryAddScoped<RunSubmitter>();
        return services;
    }
}
