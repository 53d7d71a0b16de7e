using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>The PMTrainer role: <see cref="TrainPreferenceModelConsumer"/> starts a job, the background job service trains it.</summary>
public static class PMTrainerRole
{
    public static IServiceCollection AddPMTrainerRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<PMTrainerOptions>("PMTrainer");
        services.AddSingleton<PreferenceTrainingProgress>();
        services.AddSingleton<IBackgroundJobRunner, PreferenceModelJob>();
        services.AddBackgroundJobs();
        services.AddRoleConsumer<TrainPreferenceModelConsumer, TrainPreferenceModelConsumerDefinition>();
        return services;
    }
}
