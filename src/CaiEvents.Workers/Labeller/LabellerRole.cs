using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers.Labeller;

/// <summary>The Labeller role: AI-feedback preference labels on response pairs (batched).</summary>
public static class LabellerRole
{
    public static IServiceCollection AddLabellerRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<LabellerOptions>("Labeller");
        services.AddRoleConsumer<LabelPreferenceConsumer, LabelPreferenceConsumerDefinition>();
        services.AddFaultConsumer<LabelPreferenceFaultConsumer>();
        return services;
    }
}
