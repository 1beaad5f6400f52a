global using Calloop.CompilerServices;
global using Calloop.Sources;
