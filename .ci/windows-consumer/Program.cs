using Calloop;

using var loop = new EventLoop<int>();
int n = 0;
loop.Dispatch(System.TimeSpan.Zero, ref n);
