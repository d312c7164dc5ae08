/* nosym.c - a shared object without the sb_module descriptor: refused. */
int sb_not_a_module(void);

int sb_not_a_module(void)
{
	return 42;
}
