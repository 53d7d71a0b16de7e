using CaiEvents.Benchmarks.Pipeline;

namespace CaiEvents.UnitTests.Benchmarks;

public class ProcessMemoryTests
{
    [Fact]
    public void Peak_comes_from_the_VmHWM_line_in_bytes()
    {
        string[] status = ["Name:\tcai", "VmPeak:\t 9000000 kB", "VmHWM:\t  204800 kB", "VmRSS:\t  102400 kB"];
        Assert.Equal(204800L * 1024, ProcessMemory.PeakFromStatus(status));
        Assert.Null(ProcessMemory.PeakFromStatus(["Name:\tcai"]));
    }

    [Fact]
    public void This_process_has_a_peak_no_smaller_than_its_working_set()
    {
        var peak = ProcessMemory.PeakResidentBytes(Environment.ProcessId);
        Assert.NotNull(peak);
        Assert.True(peak >= Environment.WorkingSet / 2, $"peak {peak} against working set {Environment.WorkingSet}");
    }
}
