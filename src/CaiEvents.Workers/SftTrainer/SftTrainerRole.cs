using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>The SftTrainer role: <see cref="FineTunePolicyConsumer"/> starts an SL-CAI fine-tuning job, the background job service runs it.</summary>
public static class SftTrainerRole
{
    public static IServiceCollection AddSftTrainerRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<SftTrainerOptions>("SftTrainer");
        services.AddSingleton<SftProgress>();
        services.AddSingleton<SftJob>();
        services.AddSingleton<IBackgroundJobRunner>(sp => sp.GetRequiredService<SftJob>());
        services.AddBackgroundJobs();
        services.AddRoleConsumer<FineTunePolicyConsumer, FineTunePolicyConsumerDefinition>();
        return services;
    }
}
