import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { navigate, ROUTE_PATHS, type Route } from './router';

interface Props extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: Route;
}

/** A real link (open in new tab works) that navigates in place on a plain click. */
export function RouteLink({ to, onClick, ...rest }: Props) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={ROUTE_PATHS[to]} onClick={handle} {...rest} />;
}
